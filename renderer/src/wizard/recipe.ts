// Save / open answers as a file (a recipe for the next install). Secrets never go in: the answers only
// hold references ({ stored } / { env }). YAML is loaded on demand to keep the first paint small.
import { validateAnswers } from '../../../electron/common/answers';

export async function saveAnswersFile(answers: Record<string, unknown>, format: 'yaml' | 'json' = 'yaml'): Promise<string> {
  const name = `outpost-answers.${format}`;
  const text =
    format === 'json'
      ? `${JSON.stringify(answers, null, 2)}\n`
      : `# Outpost answers: secrets are references only (see ANSWERS.md).\n${(await import('yaml')).stringify(answers)}`;
  downloadText(name, text, format === 'json' ? 'application/json' : 'application/yaml');
  return name;
}

/** Saves text as a file through the browser's download (the desktop app gets a save dialog). */
export function downloadText(name: string, text: string, type = 'text/plain;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** JSON when the name says so or the text starts with `{`; YAML otherwise. A YAML error names its line, like the CLI. */
export async function parseAnswersText(name: string, text: string): Promise<unknown> {
  if (name.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{')) return JSON.parse(text) as unknown;
  const YAML = await import('yaml');
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) throw new Error(doc.errors.slice(0, 3).map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? ''}`).join('\n'));
  return doc.toJS() as unknown;
}

/** The problems the CLI would print for these answers (`path: message`), one per line; literal secrets among them. */
export function answersProblems(answers: unknown): string[] {
  const r = validateAnswers(answers);
  return r.ok ? [] : r.problems.map((p) => `${p.path || '(file)'}: ${p.message}`);
}
