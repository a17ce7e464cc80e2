"""Services: QObjects with signals that sit between the Qt-free core and the UI."""
