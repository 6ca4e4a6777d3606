// The batch's pure parts in the wizard: the host list editor reading the CLI's formats into answers
// targets. (The report it exports is the core's: test/unit/service/report.test.ts.)
import { describe, expect, it } from 'vitest';
import { emptyForm, readHostList, toAnswers, type ListHost } from '../../../renderer/src/wizard/model';

describe('host list editor (the CLI formats)', () => {
  it('reads iplist.cfg with ranges, and CSV with per-host port, user, key and name; problems by line', () => {
    const ip = readHostList('10.0.0.1-3 pw1\n# comment\n10.0.1.0/30\n', { user: 'root', port: 22 });
    expect(ip.problems).toEqual([]);
    expect(ip.hosts.map((h) => [h.host, h.port, h.user, h.password ?? null])).toEqual([
      ['10.0.0.1', 22, 'root', 'pw1'],
      ['10.0.0.2', 22, 'root', 'pw1'],
      ['10.0.0.3', 22, 'root', 'pw1'],
      ['10.0.1.1', 22, 'root', null],
      ['10.0.1.2', 22, 'root', null],
    ]);
    const csv = readHostList('host,port,user,privateKey,name\n10.0.0.5,2222,ops,~/.ssh/id_ed25519,web-5\n10.0.0.6,,,,\n10.0.0.300,22,root,,\n', { user: 'root', port: 22 });
    expect(csv.problems.map((p) => p.line)).toEqual([4]);
    expect(csv.hosts[0]).toMatchObject({ host: '10.0.0.5', port: 2222, user: 'ops', privateKey: '~/.ssh/id_ed25519', name: 'web-5' });
    expect(csv.hosts[1]).toMatchObject({ host: '10.0.0.6', port: 22, user: 'root' });
    expect(readHostList('  \n', { user: 'root', port: 22 })).toEqual({ format: 'iplist', hosts: [], problems: [] });
  });

  it('list hosts with their own port, user, key and name become answers targets with them', () => {
    const f = emptyForm();
    f.hosts.mode = 'list';
    f.hosts.listPort = '22';
    f.hosts.listUser = 'root';
    const own: ListHost = { host: '10.0.0.5', password: null, port: 2222, user: 'ops', name: 'web-5', keyPath: '/k/id', jump: 0 };
    const plain: ListHost = { host: '10.0.0.6', password: null };
    f.hosts.list = [own, plain, { host: '10.0.0.7', password: null, jump: 'edge' }];
    const targets = toAnswers(f).targets as Array<Record<string, unknown>>;
    expect(targets[0]).toEqual({ host: '10.0.0.5', port: 2222, user: 'ops', name: 'web-5', jump: 0, privateKey: { path: '/k/id' } });
    expect(targets[1]).toEqual({ host: '10.0.0.6', port: 22, user: 'root' });
    // A jump server named (not numbered) is not an answers field: left out.
    expect(targets[2]).not.toHaveProperty('jump');
  });
});
