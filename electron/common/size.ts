// How much of an upload was sent, in the unit that suits the whole file: the CLI's progress line and the
// wizard's run view say the same ("0.0 of 0.0 MiB" said nothing about a 300-byte file).

export type SizeUnit = 'bytes' | 'KiB' | 'MiB';

/** `done` and `total` in one unit chosen by `total`: whole bytes under 1 KiB, else one decimal. */
export function transferAmounts(done: number, total: number): { done: string; total: string; unit: SizeUnit } {
  const [div, unit]: [number, SizeUnit] = total < 1024 ? [1, 'bytes'] : total < 1048576 ? [1024, 'KiB'] : [1048576, 'MiB'];
  const amount = (n: number) => (div === 1 ? String(Math.round(n)) : (n / div).toFixed(1));
  return { done: amount(done), total: amount(total), unit };
}
