#!/bin/sh
# Install pbxdesk for the current user from this unpacked folder (no root needed).
#
# What goes where (run with --help for the same list):
#   PREFIX/lib/pbxdesk/     a copy of this folder            (PREFIX: ~/.local)
#   PREFIX/bin/pbxdesk      a symlink to PREFIX/lib/pbxdesk/pbxdesk
#   DATA/applications/io.github.pbxdesk.PbxDesk.desktop      (DATA: $XDG_DATA_HOME,
#   DATA/icons/hicolor/<N>x<N>/apps/, .../scalable/apps/       or ~/.local/share)
#   DATA/metainfo/io.github.pbxdesk.PbxDesk.metainfo.xml
# then makes pbxdesk the handler of tel: and callto: links. Running it again
# updates the installation in place; uninstall.sh removes exactly these files.
# PREFIX/lib/pbxdesk/.pbxdesk-install records where things went, for uninstall.sh.
set -eu

APP_ID=io.github.pbxdesk.PbxDesk
SCHEMES="tel callto"
MARKER=.pbxdesk-install
# Written into the installed desktop file; uninstall.sh removes only a file carrying it.
DESKTOP_MARK="# Installed by pbxdesk's install.sh"

usage() {
    cat <<EOF
Usage: $0 [--prefix DIR] [--help]

Installs pbxdesk from this folder for the current user:
  DIR/lib/pbxdesk/   the program (DIR is \$PREFIX or ~/.local)
  DIR/bin/pbxdesk    the command (a symlink)
  \$XDG_DATA_HOME (or ~/.local/share): the menu entry in applications/, icons
  in icons/hicolor/, AppStream metadata in metainfo/
and makes pbxdesk open tel: and callto: links.

Run it again to update. To remove everything it installed, run
DIR/lib/pbxdesk/uninstall.sh.
EOF
}

say() { printf '%s\n' "$*"; }
warn() { printf 'install.sh: %s\n' "$*" >&2; }
die() { warn "$*"; exit 1; }

prefix=${PREFIX:-$HOME/.local}
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
[ -n "$prefix" ] || die "the prefix is empty"
case $prefix in /*) ;; *) prefix=$(pwd)/$prefix ;; esac

source_dir=$(cd -P "$(dirname "$0")" && pwd)
resources=$source_dir/_internal/resources
[ -x "$source_dir/pbxdesk" ] || die "no pbxdesk program next to this script (in $source_dir)"
[ -f "$resources/linux/$APP_ID.desktop" ] || die "$resources/linux/$APP_ID.desktop is missing"

lib_dir=$prefix/lib/pbxdesk
bin_dir=$prefix/bin
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
config_home=${XDG_CONFIG_HOME:-$HOME/.config}
apps_dir=$data_home/applications
icons_dir=$data_home/icons/hicolor
metainfo_dir=$data_home/metainfo

# -- the program --------------------------------------------------------------------
mkdir -p "$prefix/lib" "$bin_dir"
if [ -d "$lib_dir" ] && [ "$(cd -P "$lib_dir" && pwd)" = "$source_dir" ]; then
    say "Already installed in $lib_dir (running its own install.sh): updating the rest."
else
    if [ -e "$lib_dir" ] && [ ! -f "$lib_dir/$MARKER" ]; then
        die "$lib_dir exists but was not made by this script; move it away first"
    fi
    # Copy next to the old one, then swap, so a failed copy leaves the old install working.
    staging=$lib_dir.new.$$
    trap 'rm -rf "$staging"' EXIT
    cp -R -P "$source_dir" "$staging"
    rm -f "$staging/$MARKER"
    rm -rf "$lib_dir"
    mv "$staging" "$lib_dir"
    trap - EXIT
    say "Installed the program in $lib_dir"
fi
{
    say "# Written by pbxdesk's install.sh; uninstall.sh reads it. Do not edit."
    say "bin_dir=$bin_dir"
    say "data_home=$data_home"
    say "config_home=$config_home"
} > "$lib_dir/$MARKER"

launcher=$bin_dir/pbxdesk
if [ -e "$launcher" ] && [ ! -L "$launcher" ]; then
    die "$launcher exists and is not a symlink; move it away first"
fi
ln -sfn "$lib_dir/pbxdesk" "$launcher"
say "Linked $launcher"

# -- desktop integration ------------------------------------------------------------
# A desktop entry's Exec quotes an argument with reserved characters; inside the
# quotes \ " \` \$ are escaped with a backslash, and then every backslash again
# (the string escape rule). % is always doubled.
exec_arg() {
    case $1 in
        *[!A-Za-z0-9/._+-]*)
            # shellcheck disable=SC2016 # the backtick and dollar are sed text, not expansions
            escaped=$(printf '%s' "$1" | sed -e 's/\\/\\\\\\\\/g' -e 's/"/\\\\"/g' \
                -e 's/`/\\\\`/g' -e 's/\$/\\\\$/g' -e 's/%/%%/g')
            printf '"%s"' "$escaped" ;;
        *) printf '%s' "$1" ;;
    esac
}
# A plain string value: only the backslash needs escaping.
string_value() { printf '%s' "$1" | sed -e 's/\\/\\\\/g'; }

mkdir -p "$apps_dir" "$metainfo_dir"
exec_path=$(exec_arg "$launcher")
# sed replacement text: & and | and \ would be special there.
sed_exec=$(printf '%s' "$exec_path" | sed -e 's/[\\&|]/\\&/g')
sed_try=$(string_value "$launcher" | sed -e 's/[\\&|]/\\&/g')
desktop_tmp=$apps_dir/.$APP_ID.desktop.$$
{
    say "$DESKTOP_MARK from $lib_dir"
    sed -e "s|^Exec=pbxdesk\$|Exec=$sed_exec|" -e "s|^Exec=pbxdesk |Exec=$sed_exec |" \
        -e "s|^TryExec=pbxdesk\$|TryExec=$sed_try|" \
        "$resources/linux/$APP_ID.desktop"
} > "$desktop_tmp"
mv -f "$desktop_tmp" "$apps_dir/$APP_ID.desktop"
say "Added the menu entry $apps_dir/$APP_ID.desktop"

for size_dir in "$resources"/icons/hicolor/*x*; do
    [ -f "$size_dir/apps/$APP_ID.png" ] || continue
    size=$(basename "$size_dir")
    mkdir -p "$icons_dir/$size/apps"
    cp -f "$size_dir/apps/$APP_ID.png" "$icons_dir/$size/apps/$APP_ID.png"
done
if [ -f "$resources/icons/pbxdesk.svg" ]; then
    mkdir -p "$icons_dir/scalable/apps"
    cp -f "$resources/icons/pbxdesk.svg" "$icons_dir/scalable/apps/$APP_ID.svg"
fi
# Icon caches notice a theme folder whose time changed.
touch "$icons_dir"
say "Added the icons in $icons_dir"

if [ -f "$resources/linux/$APP_ID.metainfo.xml" ]; then
    cp -f "$resources/linux/$APP_ID.metainfo.xml" "$metainfo_dir/$APP_ID.metainfo.xml"
    say "Added the AppStream metadata in $metainfo_dir"
fi

if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database "$apps_dir" || warn "update-desktop-database failed; the menu may update after the next login"
else
    say "Note: update-desktop-database is not installed; the menu may update after the next login."
fi

if command -v xdg-mime >/dev/null 2>&1; then
    for scheme in $SCHEMES; do
        if xdg-mime default "$APP_ID.desktop" "x-scheme-handler/$scheme"; then
            say "pbxdesk now opens $scheme: links"
        else
            warn "xdg-mime could not make pbxdesk the $scheme: handler; choose it in your desktop's default-apps settings"
        fi
    done
else
    say "Note: xdg-mime is not installed (package xdg-utils); choose pbxdesk for tel: and callto: links in your desktop's default-apps settings."
fi

case ":${PATH:-}:" in
    *":$bin_dir:"*) say "Done. Start it from the menu or run: pbxdesk" ;;
    *) say "Done. Start it from the menu or run: $launcher ($bin_dir is not on your PATH)" ;;
esac
