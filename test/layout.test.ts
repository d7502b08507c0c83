// The folders of src/ are its architecture: data flows one way (settings -> run -> report), so no
// module may import, even for a type, a module that imports it back.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Each module's relative imports, resolved to the .ts files they name. */
function importGraph(files: string[]): Map<string, string[]> {
  const specifier = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;
  return new Map(
    files.map((file) => [
      file,
      [...readFileSync(file, 'utf8').matchAll(specifier)].map(([, spec]) =>
        path.resolve(path.dirname(file), spec!).replace(/\.js$/, '.ts'),
      ),
    ]),
  );
}

/** Every cycle a depth-first walk meets, as `a.ts -> b.ts -> a.ts`. */
function importCycles(graph: Map<string, string[]>): string[] {
  const onPath: string[] = [];
  const done = new Set<string>();
  const cycles: string[] = [];
  const visit = (file: string) => {
    onPath.push(file);
    for (const next of graph.get(file) ?? []) {
      const at = onPath.indexOf(next);
      if (at >= 0) {
        cycles.push([...onPath.slice(at), next].map((f) => path.relative(SRC, f)).join(' -> '));
      } else if (!done.has(next)) {
        visit(next);
      }
    }
    onPath.pop();
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) visit(file);
  return cycles;
}

describe('the layout of src/', () => {
  it('has no import cycle', () => {
    expect(importCycles(importGraph(sourceFiles(SRC)))).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const [a, b, c] = ['a.ts', 'b.ts', 'c.ts'].map((name) => path.join(SRC, name));
    const graph = new Map([
      [a!, [b!]],
      [b!, [c!]],
      [c!, [a!]],
    ]);
    expect(importCycles(graph)).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
  });

  it('keeps a dozen files at most at its root, the rest in folders by part', () => {
    const root = readdirSync(SRC, { withFileTypes: true }).filter((entry) => entry.isFile());
    expect(root.length).toBeGreaterThan(0);
    expect(root.length).toBeLessThanOrEqual(12);
  });
});
