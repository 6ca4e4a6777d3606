// Installing the tunnel's systemd unit on a jump server (or proxy): a system unit as root, a user unit
// with lingering otherwise. One script, run by the forward action and written into the playbook.
import { quotePosix } from '../../quote';

/** The script that installs, enables and (re)starts the unit, then says whether it is active. */
export function installUnitScript(unitName: string, unitText: string, user: boolean): string {
  const q = quotePosix;
  if (!user) {
    return `umask 022 && printf '%s' ${q(unitText)} > ${q(`/etc/systemd/system/${unitName}`)} && systemctl daemon-reload && systemctl enable ${q(unitName)} && systemctl restart ${q(unitName)} && systemctl is-active ${q(unitName)}`;
  }
  return [
    `umask 022 && mkdir -p "$HOME/.config/systemd/user" && printf '%s' ${q(unitText)} > "$HOME/.config/systemd/user/"${q(unitName)}`,
    `systemctl --user daemon-reload && systemctl --user enable ${q(unitName)} && systemctl --user restart ${q(unitName)}`,
    // Lingering keeps a user unit running without a login session and starts it at boot.
    `{ loginctl enable-linger "$(id -un)" || echo 'OUTPOST_WARN lingering not enabled: the tunnel stops at logout'; }`,
    `systemctl --user is-active ${q(unitName)}`,
  ].join(' && ');
}

