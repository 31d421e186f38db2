/**
 * Finds source code that reads a path outside the repository, so the suite cannot depend on files
 * that only exist on one machine (issue 10). Parses each file with the TypeScript compiler and checks
 * string literals and the path expressions built from them:
 *
 * - a literal naming a machine-specific root (`/work/`, `/home/`, `/Users/`, `/root/`, `C:\`) or the
 *   design folder (`shared/reference`);
 * - a path expression the checker can evaluate — `resolve`, `join`, `dirname` (imported from
 *   `node:path`), `fileURLToPath` (`node:url`), `new URL(literal, import.meta.url)`,
 *   `import.meta.dirname`, `__dirname`, `process.cwd()`, templates starting with one of those, and
 *   `const` names bound to them in the same file — whose value lies outside the repository root;
 * - a module specifier (`import`/`export … from`, `import()`) that climbs above the root;
 * - any other literal `../…/name` that climbs above the root from the file's folder or from the
 *   repository root (the working directory of `npm test`).
 *
 * An argument of `resolve`/`join` the checker cannot evaluate (a call it does not know, a parameter)
 * counts as the file's own folder, the most likely base.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface OutsidePath {
  /** Path of the file, relative to the repository root. */
  file: string;
  line: number;
  /** The source text of the offending literal or expression. */
  text: string;
  rule: 'machine-path' | 'design-folder' | 'escapes-repository';
}

/** The folders whose files must stay inside the repository. */
export const CHECKED_FOLDERS = ['src', 'test', 'bench', 'scripts'] as const;
const CODE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);
const MACHINE_ROOTS = /(?:^|[^\w.-])\/(?:work|home|Users|root)\/|^[A-Za-z]:\\/;
const DESIGN_FOLDER = /shared[\\/]+reference/;
/** A relative path that climbs and then names something: `../x`, `../../x/y.json`. */
const CLIMBING_PATH = /^(?:\.\.\/)+[^./]/;
const PATH_MODULES = new Set(['node:path', 'path', 'node:path/posix', 'path/posix', 'node:url', 'url']);
const PATH_FUNCTIONS = new Set(['resolve', 'join', 'dirname', 'fileURLToPath']);

/** Every code file under the checked folders, absolute paths. */
export function checkedFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') {
        walk(full);
      } else if (entry.isFile() && CODE_EXTENSIONS.has(extname(entry.name))) {
        out.push(full);
      }
    }
  };
  for (const folder of CHECKED_FOLDERS) {
    walk(join(root, folder));
  }
  return out.sort();
}

function outside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

function isImportMeta(node: ts.Node, property: string): boolean {
  return (
    ts.isPropertyAccessExpression(node) &&
    ts.isMetaProperty(node.expression) &&
    node.expression.keywordToken === ts.SyntaxKind.ImportKeyword &&
    node.name.text === property
  );
}

/** Local names of the path functions a file imports: `join` → `join`, `path` (namespace) → `*`. */
function pathImports(source: ts.SourceFile): { functions: Map<string, string>; namespaces: Set<string> } {
  const functions = new Map<string, string>();
  const namespaces = new Set<string>();
  for (const statement of source.statements) {
    if (
      !ts.isImportDeclaration(statement) ||
      !ts.isStringLiteral(statement.moduleSpecifier) ||
      !PATH_MODULES.has(statement.moduleSpecifier.text)
    ) {
      continue;
    }
    const clause = statement.importClause;
    if (clause?.name) {
      namespaces.add(clause.name.text);
    }
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) {
      namespaces.add(bindings.name.text);
    } else if (bindings) {
      for (const element of bindings.elements) {
        const imported = (element.propertyName ?? element.name).text;
        if (PATH_FUNCTIONS.has(imported)) {
          functions.set(element.name.text, imported);
        }
      }
    }
  }
  return { functions, namespaces };
}

/** Checks one file's source text; `file` is its absolute path (it need not exist). */
export function findOutsidePaths(root: string, file: string, text: string): OutsidePath[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const fileDir = dirname(file);
  const imports = pathImports(source);
  const found = new Map<string, OutsidePath>();
  const consts = new Map<string, ts.Expression>();
  /** Literals judged as part of an evaluated path expression or as a module specifier. */
  const judged = new Set<ts.Node>();

  const report = (node: ts.Node, rule: OutsidePath['rule']): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    const key = `${line}:${rule}`;
    if (found.has(key)) {
      return;
    }
    found.set(key, { file: relative(root, file), line, text: node.getText(source), rule });
  };

  const collectConsts = (node: ts.Node): void => {
    if (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.Const) !== 0) {
      for (const d of node.declarations) {
        if (ts.isIdentifier(d.name) && d.initializer) {
          consts.set(d.name.text, d.initializer);
        }
      }
    }
    ts.forEachChild(node, collectConsts);
  };
  collectConsts(source);

  /** `join`, `resolve`, `dirname` or `fileURLToPath` when `call` calls the imported path function. */
  const pathFunction = (call: ts.CallExpression): string | undefined => {
    const callee = call.expression;
    if (ts.isIdentifier(callee)) {
      return imports.functions.get(callee.text);
    }
    if (
      ts.isPropertyAccessExpression(callee) &&
      ts.isIdentifier(callee.expression) &&
      imports.namespaces.has(callee.expression.text) &&
      PATH_FUNCTIONS.has(callee.name.text)
    ) {
      return callee.name.text;
    }
    return undefined;
  };
  const isCwd = (call: ts.CallExpression): boolean =>
    call.arguments.length === 0 &&
    ts.isPropertyAccessExpression(call.expression) &&
    ts.isIdentifier(call.expression.expression) &&
    call.expression.expression.text === 'process' &&
    call.expression.name.text === 'cwd';
  const isUrl = (node: ts.Node): node is ts.NewExpression =>
    ts.isNewExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'URL' &&
    node.arguments?.length === 2;

  /** Whether `node` denotes a place in the file system (not just a string such as a URL path). */
  const isFileSystemPath = (node: ts.Expression, depth = 0): boolean => {
    if (depth > 20) {
      return false;
    }
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node)) {
      return isFileSystemPath(node.expression, depth + 1);
    }
    if (ts.isIdentifier(node)) {
      const init = consts.get(node.text);
      return (
        node.text === '__dirname' ||
        node.text === '__filename' ||
        (init !== undefined && isFileSystemPath(init, depth + 1))
      );
    }
    if (ts.isCallExpression(node)) {
      return pathFunction(node) !== undefined || isCwd(node);
    }
    return isImportMeta(node, 'dirname') || isImportMeta(node, 'filename') || isUrl(node);
  };

  /** The value of a path expression: an absolute path, a relative string, or undefined (unknown). */
  const evaluate = (node: ts.Expression, depth = 0): string | undefined => {
    if (depth > 20) {
      return undefined;
    }
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node)) {
      return evaluate(node.expression, depth + 1);
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      return node.text;
    }
    if (ts.isTemplateExpression(node)) {
      let out = node.head.text;
      for (const span of node.templateSpans) {
        const value = evaluate(span.expression, depth + 1);
        if (value === undefined) {
          return undefined;
        }
        out += value + span.literal.text;
      }
      return out;
    }
    if (ts.isIdentifier(node)) {
      if (node.text === '__dirname') {
        return fileDir;
      }
      if (node.text === '__filename') {
        return file;
      }
      const init = consts.get(node.text);
      return init ? evaluate(init, depth + 1) : undefined;
    }
    if (isImportMeta(node, 'dirname')) {
      return fileDir;
    }
    if (isImportMeta(node, 'url') || isImportMeta(node, 'filename')) {
      return file;
    }
    if (isUrl(node)) {
      const [target, base] = (node.arguments ?? []).map((a) => evaluate(a, depth + 1));
      if (base === undefined || target === undefined || !isAbsolute(base)) {
        return undefined;
      }
      return isAbsolute(target) ? target : resolve(dirname(base), target);
    }
    if (ts.isCallExpression(node)) {
      if (isCwd(node)) {
        return root;
      }
      const fn = pathFunction(node);
      if (fn === undefined) {
        return undefined;
      }
      const args = node.arguments.map((a) => evaluate(a, depth + 1));
      if (fn === 'dirname' || fn === 'fileURLToPath') {
        const value = args[0];
        if (value === undefined) {
          return undefined;
        }
        return fn === 'dirname' ? dirname(value) : value.replace(/^file:\/\//, '');
      }
      // resolve/join: an argument the checker cannot evaluate stands for the file's folder.
      const parts = args.map((a, i) => a ?? (i === 0 ? fileDir : '.'));
      return fn === 'resolve' ? resolve(fileDir, ...parts) : join(...parts);
    }
    return undefined;
  };

  const isPathExpression = (node: ts.Node): node is ts.Expression =>
    (ts.isCallExpression(node) && (pathFunction(node) !== undefined || isCwd(node))) ||
    isUrl(node) ||
    // `${root}/…`, not a URL path such as `/v1/buckets/${bucket}`
    (ts.isTemplateExpression(node) &&
      node.head.text === '' &&
      isFileSystemPath(node.templateSpans[0].expression));

  const markLiterals = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node)) {
      judged.add(node);
    }
    ts.forEachChild(node, markLiterals);
  };

  const moduleSpecifier = (node: ts.Node): ts.Expression | undefined => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      return node.moduleSpecifier;
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      return node.arguments[0];
    }
    return undefined;
  };

  const visit = (node: ts.Node): void => {
    const specifier = moduleSpecifier(node);
    if (specifier && ts.isStringLiteralLike(specifier)) {
      judged.add(specifier);
      if (specifier.text.startsWith('.') && outside(root, resolve(fileDir, specifier.text))) {
        report(specifier, 'escapes-repository');
      }
    } else if (isPathExpression(node)) {
      const value = evaluate(node);
      if (value !== undefined) {
        // A relative result (a join of relative parts) is read from the working directory: the root.
        if (outside(root, resolve(root, value))) {
          report(node, 'escapes-repository');
        }
        markLiterals(node);
      }
    }
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      const value = node.text;
      if (DESIGN_FOLDER.test(value)) {
        report(node, 'design-folder');
      } else if (MACHINE_ROOTS.test(value)) {
        report(node, 'machine-path');
      } else if (
        !judged.has(node) &&
        CLIMBING_PATH.test(value) &&
        (outside(root, resolve(fileDir, value)) || outside(root, resolve(root, value)))
      ) {
        report(node, 'escapes-repository');
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  return [...found.values()].sort((a, b) => a.line - b.line);
}

/** Checks every code file of the repository under `CHECKED_FOLDERS`. */
export function findOutsidePathsInRepository(root: string): OutsidePath[] {
  return checkedFiles(root).flatMap((file) => findOutsidePaths(root, file, readFileSync(file, 'utf8')));
}
