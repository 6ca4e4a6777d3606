// Save / open answers as a file (a recipe for the next install). Secrets never go in: the answers only
// hold references ({ stored } / { env }). YAML is loaded on demand to keep the first paint small.

export async function saveAnswersFile(answers: Record<string, unknown>, format: 'yaml' | 'json' = 'yaml'): Promise<string> {
  const name = `outpost-answers.${format}`;
  const text =
    format === 'json'
      ? `${JSON.stringify(answers, null, 2)}\n`
      : `# Outpost answers: secrets are references only (see ANSWERS.md).\n${(await import('yaml')).stringify(answers)}`;
  const url = URL.createObjectURL(new Blob([text], { type: format === 'json' ? 'application/json' : 'application/yaml' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

/** JSON when the name says so or the text starts with `{`; YAML otherwise. */
export async function parseAnswersText(name: string, text: string): Promise<unknown> {
  if (name.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{')) return JSON.parse(text) as unknown;
  return (await import('yaml')).parse(text) as unknown;
}
