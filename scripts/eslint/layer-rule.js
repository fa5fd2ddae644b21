import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The layer rule as an ESLint rule. It decides by where an import lands, not by how its specifier is
// spelled: every specifier that can point into src/ is resolved to a path, and the path's first entry
// under src/ names the layer (`src/convert/x.ts` is convert, `src/frontend.ts` and `src/frontend/` are
// frontend). Pattern lists missed `../frontend.js`, `export … from` and `import()`; resolving does not.
// It fails closed: a file or target in no known layer, and an import whose path is not a literal, are
// errors too, so a new folder must be added to the table before it can be used.

/** The layer of a path inside `src`, or undefined when the path is `src` itself or outside it. */
function layerOf(src, file) {
  const rel = path.relative(src, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const top = rel.split(path.sep)[0];
  // A module at the top of src (`frontend.ts`, `frontend.test.ts`, `main.js`) is the layer of its stem.
  return top.split('.')[0];
}

/**
 * Where a specifier lands on disk, or undefined for packages and built-ins (`node:fs`, `yaml`), which the
 * layer rule does not govern. `src/...` is read from the project root, the way a `baseUrl` would.
 */
function resolveSpecifier(root, fromFile, spec) {
  if (spec.startsWith('file:')) return fileURLToPath(spec);
  if (spec.startsWith('/')) return path.normalize(spec);
  if (spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../')) {
    return path.resolve(path.dirname(fromFile), spec);
  }
  if (spec === 'src' || spec.startsWith('src/')) return path.resolve(root, spec);
  return undefined;
}

/** The text of a string literal or a template literal without substitutions, else undefined. */
function staticString(node) {
  if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked;
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
export const layerRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Each layer under src/ imports only the layers the table allows it' },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        required: ['root', 'layers'],
        properties: {
          root: { type: 'string' },
          layers: {
            type: 'object',
            additionalProperties: { type: 'array', items: { type: 'string' }, uniqueItems: true },
          },
        },
      },
    ],
    messages: {
      forbidden:
        '{{from}} must not import {{to}} ({{spec}}); it may import only {{allowed}} (eslint.config.js)',
      unknownSource: 'src/{{from}} is in no layer: add it to the layer table in eslint.config.js',
      unknownTarget:
        '{{spec}} resolves to {{target}}, which is in no layer (the layer table in eslint.config.js)',
      dynamic: 'the layer rule can only check an import whose path is a string literal',
    },
  },

  create(context) {
    const { root, layers } = context.options[0];
    const src = path.join(root, 'src');
    const file = path.resolve(context.cwd, context.filename);
    const from = layerOf(src, file);
    if (from === undefined) return {};
    const allowed = layers[from];

    // The layer of the file itself is reported once, at the top, rather than at every import.
    if (allowed === undefined) {
      return {
        Program(node) {
          context.report({ node, messageId: 'unknownSource', data: { from } });
        },
      };
    }

    function check(node, sourceNode) {
      const spec = staticString(sourceNode);
      if (spec === undefined) {
        context.report({ node, messageId: 'dynamic' });
        return;
      }
      const target = resolveSpecifier(root, file, spec);
      if (target === undefined) return;
      const rel = path.relative(src, target);
      if (rel.startsWith('..') || path.isAbsolute(rel)) return; // outside src/: test helpers, package.json
      const to = layerOf(src, target);
      if (to === undefined || layers[to] === undefined) {
        const shown = path.relative(root, target) || '.';
        context.report({ node, messageId: 'unknownTarget', data: { spec, target: shown } });
        return;
      }
      if (to === from || allowed.includes(to)) return;
      const data = { from, to, spec, allowed: allowed.length > 0 ? allowed.join(', ') : 'nothing' };
      context.report({ node, messageId: 'forbidden', data });
    }

    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportType: (node) => check(node, node.source ?? node.argument?.literal),
      TSExternalModuleReference: (node) => check(node, node.expression),
      // `declare module '../x.js' { … }` augments another module's types: a dependency like any other.
      TSModuleDeclaration: (node) => node.id.type === 'Literal' && check(node, node.id),
      CallExpression(node) {
        const { callee } = node;
        if (callee.type === 'Identifier' && callee.name === 'require' && node.arguments.length > 0) {
          check(node, node.arguments[0]);
        }
      },
    };
  },
};

export default { meta: { name: 'aikit' }, rules: { layers: layerRule } };
