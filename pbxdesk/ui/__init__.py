"""The Qt user interface: windows, widgets and table models. Sits on top of the services."""
