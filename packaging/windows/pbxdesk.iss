; Inno Setup 6 script: a per-user installer for pbxdesk on Windows.
;
; Build the bundle first (python scripts\dev.py build makes dist\pbxdesk\), then:
;     iscc /DAppVersion=0.1.0 packaging\windows\pbxdesk.iss
; which writes dist\pbxdesk-<version>-windows-x86_64-setup.exe.
;
; No administrator rights: pbxdesk goes to %LOCALAPPDATA%\Programs\pbxdesk, the
; Start menu entry to the user's own menu, and the tel:/callto: registration to
; HKEY_CURRENT_USER. The [Registry] section must match registry_entries() in
; pbxdesk/desktop/windows_registry.py, which the app's own registration uses
; (tests/packaging/test_windows_registry.py checks it): change both.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "pbxdesk"
#define AppId "io.github.pbxdesk.PbxDesk"
#define AppExe "pbxdesk.exe"

[Setup]
AppId={#AppId}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=pbxdesk
AppComments=Call history and click-to-call for your cloud PBX
DefaultDirName={localappdata}\Programs\{#AppName}
DisableDirPage=auto
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=..\..\resources\icons\pbxdesk.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir=..\..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-windows-x86_64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Tell Explorer that link handlers changed, so tel: links work without a sign-out.
ChangesAssociations=yes
; A running pbxdesk holds its files open: offer to close it before updating.
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\pbxdesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; AppUserModelID: "{#AppId}"; Comment: "Call history and click-to-call"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; AppUserModelID: "{#AppId}"; Tasks: desktopicon

[Registry]
; tel: and callto: as URL protocols. Other apps may share these keys: uninstalling
; removes pbxdesk's values, then each key only if nothing else is left in it
; (Inno Setup undoes these lines bottom-up, so children go before parents).
Root: HKCU; Subkey: "Software\Classes\tel"; ValueType: string; ValueName: ""; ValueData: "URL:tel link"; Flags: uninsdeletevalue uninsdeletekeyifempty
Root: HKCU; Subkey: "Software\Classes\tel"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""; Flags: uninsdeletevalue uninsdeletekeyifempty
Root: HKCU; Subkey: "Software\Classes\tel\shell"; ValueType: none; Flags: uninsdeletekeyifempty
Root: HKCU; Subkey: "Software\Classes\tel\shell\open"; ValueType: none; Flags: uninsdeletekeyifempty
Root: HKCU; Subkey: "Software\Classes\tel\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""; Flags: uninsdeletevalue uninsdeletekeyifempty
Root: HKCU; Subkey: "Software\Classes\callto"; ValueType: string; ValueName: ""; ValueData: "URL:callto link"; Flags: uninsdeletevalue uninsdeletekeyifempty
Root: HKCU; Subkey: "Software\Classes\callto"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""; Flags: uninsdeletevalue uninsdeletekeyifempty
Root: HKCU; Subkey: "Software\Classes\callto\shell"; ValueType: none; Flags: uninsdeletekeyifempty
Root: HKCU; Subkey: "Software\Classes\callto\shell\open"; ValueType: none; Flags: uninsdeletekeyifempty
Root: HKCU; Subkey: "Software\Classes\callto\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""; Flags: uninsdeletevalue uninsdeletekeyifempty
; The ProgId that Default apps assigns to the schemes: all of it is pbxdesk's.
Root: HKCU; Subkey: "Software\Classes\pbxdesk.tel"; ValueType: string; ValueName: ""; ValueData: "pbxdesk phone link"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\pbxdesk.tel"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""
Root: HKCU; Subkey: "Software\Classes\pbxdesk.tel\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"",0"
Root: HKCU; Subkey: "Software\Classes\pbxdesk.tel\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
; Capabilities + RegisteredApplications: pbxdesk is listed in Settings > Default apps.
Root: HKCU; Subkey: "Software\pbxdesk"; ValueType: none; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\pbxdesk\Capabilities"; ValueType: string; ValueName: "ApplicationName"; ValueData: "pbxdesk"
Root: HKCU; Subkey: "Software\pbxdesk\Capabilities"; ValueType: string; ValueName: "ApplicationDescription"; ValueData: "Call history and click-to-call for your cloud PBX"
Root: HKCU; Subkey: "Software\pbxdesk\Capabilities\URLAssociations"; ValueType: string; ValueName: "tel"; ValueData: "pbxdesk.tel"
Root: HKCU; Subkey: "Software\pbxdesk\Capabilities\URLAssociations"; ValueType: string; ValueName: "callto"; ValueData: "pbxdesk.tel"
Root: HKCU; Subkey: "Software\RegisteredApplications"; ValueType: string; ValueName: "pbxdesk"; ValueData: "Software\pbxdesk\Capabilities"; Flags: uninsdeletevalue

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
