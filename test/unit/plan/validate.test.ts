import { describe, expect, it } from 'vitest';
import { checkCidr, checkDomain, checkHost, checkIp, checkPort, checkPosixAbsPath, checkWindowsAbsPath, parseHostPort } from '../../../electron/common/validate';

describe('validators', () => {
  it('IP addresses: four-part IPv4 and IPv6, no zone ids or shorthand', () => {
    for (const ok of ['192.168.0.10', '0.0.0.0', '::1', 'fd00::10', '2001:db8::1']) expect(checkIp(ok)).toBeNull();
    for (const bad of ['1.2.3.4;rm', '300.1.1.1', '127.1', '0x7f.0.0.1', 'fe80::1%eth0', '', ' 1.2.3.4', '1.2.3.4\n']) expect(checkIp(bad)).toMatch(/is not an IPv4 or IPv6 address$/);
  });
  it('host names and domains', () => {
    for (const ok of ['host', 'a-b.example.com', 'icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com']) expect(checkHost(ok)).toBeNull();
    for (const bad of ['-a.com', 'a..b', 'a_b.com', 'host;id', '$(id).com', `${'a'.repeat(64)}.com`, '1.2.3']) expect(checkHost(bad)).not.toBeNull();
    expect(checkDomain('localhost')).not.toBeNull();
  });
  it('CIDRs, ports, host:port', () => {
    expect(checkCidr('10.0.0.0/8')).toBeNull();
    expect(checkCidr('10.0.0.0/33')).not.toBeNull();
    expect(checkPort(0)).not.toBeNull();
    expect(checkPort(65535)).toBeNull();
    expect(parseHostPort('[fd00::1]:80')).toEqual({ host: 'fd00::1', port: 80 });
    expect(parseHostPort('a.example.com:99999')).toMatch(/not a TCP port/);
  });
  it('paths', () => {
    expect(checkPosixAbsPath('/home/me/with space')).toBeNull();
    expect(checkPosixAbsPath('relative')).not.toBeNull();
    expect(checkPosixAbsPath('/a/../b')).not.toBeNull();
    expect(checkWindowsAbsPath('C:\\ICAgent')).toBeNull();
    expect(checkWindowsAbsPath('C:\\')).toBeNull();
    for (const bad of ['C:\\a%PATH%', 'C:\\a&b', 'C:\\a\\', 'C:\\a\\..\\b', 'ICAgent', 'C:\\a"b']) expect(checkWindowsAbsPath(bad)).not.toBeNull();
  });
});
