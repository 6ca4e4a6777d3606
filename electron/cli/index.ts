import { main } from './main';

export async function run(argv: string[]): Promise<void> {
  const code = await main(argv);
  // Let long-running commands (serve, run) decide when to exit; one-shot commands end here.
  if (code !== -1) process.exit(code);
}
