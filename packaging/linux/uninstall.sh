#!/bin/sh
# Remove what pbxdesk's install.sh put in place, and nothing else.
#
# The installation is found from this script's own folder when it runs from
# PREFIX/lib/pbxdesk, else from --prefix / $PREFIX / ~/.local. The record that
# install.sh left there (.pbxdesk-install) says where the launcher, the menu
# entry and the link associations went, even if XDG_DATA_HOME changed since.
# Settings, call history and the API key are the user's data: they stay.
set -eu

APP_ID=io.github.pbxdesk.PbxDesk
SCHEMES="tel callto"
MARKER=.pbxdesk-install
DESKTOP_MARK="# Installed by pbxdesk's install.sh"

usage() {
    cat <<EOF
Usage: $0 [--prefix DIR] [--help]

Removes the pbxdesk that install.sh installed under DIR (\$PREFIX or ~/.local;
found by itself when run from DIR/lib/pbxdesk): the program, the pbxdesk
command, the menu entry, the icons, the AppStream metadata, and pbxdesk as the
handler of tel: and callto: links where it still is. Your settings and call
history are kept. Running it twice is harmless.
EOF
}

say() { printf '%s\n' "$*"; }
warn() { printf 'uninstall.sh: %s\n' "$*" >&2; }
die() { warn "$*"; exit 1; }

prefix=
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

script_dir=$(cd -P "$(dirname "$0")" && pwd)
if [ -n "$prefix" ]; then
    case $prefix in /*) ;; *) prefix=$(pwd)/$prefix ;; esac
    lib_dir=$prefix/lib/pbxdesk
elif [ -z "${PREFIX:-}" ] && [ -f "$script_dir/$MARKER" ]; then
    lib_dir=$script_dir
else
    prefix=${PREFIX:-$HOME/.local}
    lib_dir=$prefix/lib/pbxdesk
fi

# What install.sh recorded; the current environment when there is no record.
recorded() {
    [ -f "$lib_dir/$MARKER" ] || return 0
    sed -n "s/^$1=//p" "$lib_dir/$MARKER" | head -n 1
}
bin_dir=$(recorded bin_dir)
data_home=$(recorded data_home)
config_home=$(recorded config_home)
[ -n "$bin_dir" ] || bin_dir=$(dirname "$(dirname "$lib_dir")")/bin
[ -n "$data_home" ] || data_home=${XDG_DATA_HOME:-$HOME/.local/share}
[ -n "$config_home" ] || config_home=${XDG_CONFIG_HOME:-$HOME/.config}
apps_dir=$data_home/applications
removed=0

remove() {
    if [ -e "$1" ] || [ -L "$1" ]; then
        rm -f "$1"
        removed=$((removed + 1))
    fi
}

# -- link associations: only where pbxdesk is still the choice -------------------------
# In [Default Applications] a scheme whose first handler is pbxdesk loses that entry
# (a later one, if any, takes over); [Added Associations] just forgets pbxdesk.
mimeapps=$config_home/mimeapps.list
if [ -f "$mimeapps" ]; then
    keys=
    for scheme in $SCHEMES; do keys="$keys x-scheme-handler/$scheme"; done
    mimeapps_tmp=$mimeapps.pbxdesk.$$
    awk -v app="$APP_ID.desktop" -v keys="$keys" '
        BEGIN { n = split(keys, list, " "); for (i = 1; i <= n; i++) wanted[list[i]] = 1 }
        /^\[/ { section = $0; print; next }
        {
            eq = index($0, "=")
            key = eq ? substr($0, 1, eq - 1) : ""
            if (!(key in wanted) || (section != "[Default Applications]" &&
                                     section != "[Added Associations]")) { print; next }
            count = split(substr($0, eq + 1), apps, ";")
            if (section == "[Default Applications]" && apps[1] != app) { print; next }
            kept = ""
            ours = 0
            for (i = 1; i <= count; i++) {
                if (apps[i] == app) ours = 1
                else if (apps[i] != "") kept = kept apps[i] ";"
            }
            if (!ours) { print; next }
            if (kept != "") {
                if (section == "[Default Applications]") sub(/;$/, "", kept)
                print key "=" kept
            }
            changed = 1
        }
        END { exit changed ? 0 : 3 }
    ' "$mimeapps" > "$mimeapps_tmp" && status=0 || status=$?
    if [ "$status" -eq 0 ]; then
        cat "$mimeapps_tmp" > "$mimeapps"  # keeps the file's owner and mode
        say "pbxdesk no longer opens tel: and callto: links"
        removed=$((removed + 1))
    elif [ "$status" -ne 3 ]; then
        warn "could not update $mimeapps; remove pbxdesk there by hand"
    fi
    rm -f "$mimeapps_tmp"
fi

# -- desktop integration ----------------------------------------------------------------
desktop=$apps_dir/$APP_ID.desktop
if [ -f "$desktop" ]; then
    if head -n 1 "$desktop" | grep -q "^$DESKTOP_MARK"; then
        remove "$desktop"
        say "Removed the menu entry $desktop"
    else
        warn "$desktop was not installed by install.sh; left in place"
    fi
fi
for icon in "$data_home"/icons/hicolor/*/apps/"$APP_ID".png \
            "$data_home/icons/hicolor/scalable/apps/$APP_ID.svg"; do
    remove "$icon"
done
# Size folders left empty go too (rmdir keeps any that other apps' icons use).
for dir in "$data_home"/icons/hicolor/*/apps; do
    rmdir "$dir" "$(dirname "$dir")" 2>/dev/null || true
done
if [ -d "$data_home/icons/hicolor" ]; then
    touch "$data_home/icons/hicolor"  # icon caches notice a theme folder whose time changed
fi
remove "$data_home/metainfo/$APP_ID.metainfo.xml"
if [ -d "$apps_dir" ] && command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database "$apps_dir" || warn "update-desktop-database failed"
fi

# -- the program ----------------------------------------------------------------------
launcher=$bin_dir/pbxdesk
if [ -L "$launcher" ]; then
    if [ "$(readlink "$launcher")" = "$lib_dir/pbxdesk" ]; then
        remove "$launcher"
        say "Removed $launcher"
    else
        warn "$launcher points elsewhere ($(readlink "$launcher")); left in place"
    fi
fi
if [ -f "$lib_dir/$MARKER" ]; then
    # The shell has this script open already: removing its folder is safe on Linux.
    rm -rf "$lib_dir"
    removed=$((removed + 1))
    say "Removed the program from $lib_dir"
elif [ -d "$lib_dir" ]; then
    warn "$lib_dir has no $MARKER record, so it was not made by install.sh; left in place"
fi

if [ "$removed" -eq 0 ]; then
    say "Nothing to remove: pbxdesk is not installed there."
else
    say "Done. Your settings and call history are kept."
fi
