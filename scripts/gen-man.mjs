#!/usr/bin/env node
/**
 * Writes the man pages from what oclif knows after the build: xlp's own commands (the manifest,
 * oclif.manifest.json) and those of its plugins (help, autocomplete). Nothing here names a command.
 *
 *   man/man1/xlp.1            the overview: every command, the exit codes, the environment variables
 *   man/man1/xlp-<id>.1       one command, its topics joined by '-' (xlp-audit-verify.1): synopsis,
 *                             description, arguments, flags (with their environment variables),
 *                             examples, exit codes
 *
 * `npm run build` runs it (man/ is generated, not committed). Options:
 *   --out DIR        write the pages into DIR/man1 instead of man/man1 (the tests compare the two)
 *   --package-json   also write package.json's "man" list, which `npm install -g` links (npm run docs)
 *   --check          write nothing; exit 1 when package.json's "man" list is not the pages' list
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Config } from '@oclif/core/config';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: options } = parseArgs({ options: { out: { type: 'string' }, 'package-json': { type: 'boolean' }, check: { type: 'boolean' } } });

if (!existsSync(join(root, 'oclif.manifest.json'))) {
  console.error('gen-man: oclif.manifest.json is missing: run npm run build');
  process.exit(1);
}
const config = await Config.load({ root, devPlugins: false, userPlugins: false });
const bin = config.bin;
const source = `${config.name} ${config.version}`;

// ---- roff ------------------------------------------------------------------------------------

/**
 * Text for roff: backslashes, hyphens (so options copy as ASCII) and non-ASCII escaped, and a
 * leading '.' or "'" made harmless (it would start a request).
 */
function esc(text) {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[^\x20-\x7e]/gu, (char) => `\\[u${char.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}]`)
    .replace(/^[.']/, '\\&$&');
}

const bold = (text) => `\\fB${esc(text)}\\fR`;
const italic = (text) => `\\fI${esc(text)}\\fR`;

/** Lines, nested as the page is built, joined into a page. */
function page(lines) {
  return `${lines
    .flat(Infinity)
    .filter((line) => line !== undefined)
    .join('\n')}\n`;
}

// ---- the manifest ----------------------------------------------------------------------------

/** oclif's templates in help texts (`<%= config.bin %> <%= command.id %>`); anything else is an error. */
function render(text, command) {
  return text.replace(/<%=\s*([\w.]+)\s*%>/g, (_, path) => {
    const [head, ...rest] = path.split('.');
    const context = { config, command: command && { ...command, id: displayId(command.id) } }[head];
    const value = rest.reduce((object, key) => object?.[key], context);
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`gen-man: cannot render <%= ${path} %> in ${command?.id ?? 'a topic'}`);
    return String(value);
  });
}

const displayId = (id) => id.replaceAll(':', config.topicSeparator);
const pageName = (id) => (id === '' ? bin : `${bin}-${id.replaceAll(':', '-')}`);
const seeAlso = (id) => `${bold(pageName(id))}(1)`;

/** Blocks of a description: paragraphs, and sections headed by an all-capital line ("EXIT CODES"). */
function describe(text) {
  const sections = [{ heading: undefined, blocks: [] }];
  for (const block of text.split(/\n[ \t]*\n/)) {
    const lines = block.replace(/^\n+|\s+$/g, '').split('\n');
    if (lines.length === 0 || lines[0] === '') continue;
    if (/^[A-Z][A-Z0-9 ]*[A-Z0-9]$/.test(lines[0])) {
      sections.push({ heading: lines[0], blocks: [] });
      lines.shift();
      if (lines.length === 0) continue;
    }
    sections.at(-1).blocks.push(lines);
  }
  return sections;
}

/** A block as roff: a table of indented "TERM  text" lines, preformatted lines, or a paragraph. */
function block(lines) {
  const rows = lines.map((line) => /^\s+(\S+)\s{2,}(\S.*)$/.exec(line));
  if (rows.every(Boolean)) return ['.PD 0', rows.map(([, term, text]) => ['.TP', bold(term), esc(text)]), '.PD'];
  if (lines.some((line) => /^\s/.test(line))) return ['.PP', '.RS 4', '.nf', lines.map(esc), '.fi', '.RE'];
  return ['.PP', lines.map((line) => esc(line.trim()))];
}

function synopsis(command) {
  const usages = [command.usage ?? []].flat();
  if (usages.length > 0) return usages.map((usage, index) => [index > 0 ? '.br' : undefined, `${bold(bin)} ${esc(render(usage, command))}`]);
  const args = Object.values(command.args ?? {})
    .filter((arg) => !arg.hidden)
    .map((arg) => (arg.required ? italic(arg.name.toUpperCase()) : `[${italic(arg.name.toUpperCase())}]`));
  const flags = visibleFlags(command).length > 0 ? `[${italic('FLAGS')}]` : undefined;
  return [[bold(`${bin} ${displayId(command.id)}`), ...args, flags].filter(Boolean).join(' ')];
}

/** Flags in `xlp help`'s order: those with a short name first, then by name; grouped as help groups them. */
function visibleFlags(command) {
  const key = (flag) => `${flag.char ? 0 : 1}${flag.char ?? ''}\u0000${flag.name}`;
  return Object.entries(command.flags ?? {})
    .filter(([, flag]) => !flag.hidden)
    .map(([name, flag]) => ({ ...flag, name }))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function flagTerm(flag) {
  const long = flag.type === 'boolean' && flag.allowNo ? `\\fB\\-\\-\\fR[\\fBno\\-\\fR]${bold(flag.name)}` : bold(`--${flag.name}`);
  const names = [flag.char ? bold(`-${flag.char}`) : undefined, long].filter(Boolean).join(', ');
  if (flag.type === 'boolean') return names;
  const value = flag.helpValue ?? (flag.options ? flag.options.join('|') : 'VALUE');
  return `${names}=${italic([value].flat().join(' '))}`;
}

function flagBody(flag, command) {
  const text = [flag.summary, flag.description].filter(Boolean).map((part) => render(part, command).trim());
  const facts = [
    flag.required ? 'Required.' : undefined,
    flag.multiple ? 'May be given more than once.' : undefined,
    flag.default !== undefined && typeof flag.default !== 'function' && flag.default !== false ? `Default: ${esc([flag.default].flat().join(', '))}.` : undefined,
    flag.env ? `Environment variable: ${bold(flag.env)}.` : undefined,
    flag.exclusive?.length ? `Not with ${flag.exclusive.map((name) => bold(`--${name}`)).join(', ')}.` : undefined,
    flag.dependsOn?.length ? `Needs ${flag.dependsOn.map((name) => bold(`--${name}`)).join(', ')}.` : undefined,
    flag.deprecated ? 'Deprecated.' : undefined,
  ].filter(Boolean);
  const [first = '', ...more] = text;
  return [
    first ? esc(first.replace(/\s+/g, ' ')) : undefined,
    more.map((part) => ['.IP', esc(part.replace(/\s+/g, ' '))]),
    facts.length > 0 ? [first || more.length > 0 ? '.br' : undefined, facts.join(' ')] : [],
  ];
}

function flagSections(command) {
  const groups = new Map([['', []]]);
  for (const flag of visibleFlags(command)) {
    const group = flag.helpGroup ?? '';
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(flag);
  }
  return [...groups].filter(([, flags]) => flags.length > 0).map(([group, flags]) => [
    group === '' ? '.SH FLAGS' : `.SH "${group.toUpperCase()} FLAGS"`,
    flags.map((flag) => ['.TP', flagTerm(flag), flagBody(flag, command)]),
  ]);
}

function examples(command) {
  const list = [command.examples ?? []].flat();
  if (list.length === 0) return [];
  const lines = (example) => render(example, command).split('\n').map((text) => esc(`$ ${text.replace(/^\$ /, '')}`));
  const preformatted = (text) => ['.PP', '.RS 4', '.nf', text, '.fi', '.RE'];
  // Plain command lines form one block; an example with a description gets a paragraph of its own.
  if (list.every((example) => typeof example === 'string')) return ['.SH EXAMPLES', preformatted(list.map(lines))];
  return [
    '.SH EXAMPLES',
    list.map((example) => (typeof example === 'string' ? preformatted(lines(example)) : ['.PP', esc(render(example.description, command)), preformatted(lines(example.command))])),
  ];
}

function header(name, summary) {
  return [
    `.\\" Generated by scripts/gen-man.mjs from ${source}'s oclif manifest. Do not edit.`,
    `.TH "${esc(name.toUpperCase())}" "1" "" "${esc(source)}" "User Commands"`,
    // No hyphenation, ragged right: command and flag names stay whole.
    '.nh',
    '.ad l',
    '.SH NAME',
    `${esc(name)} \\- ${esc(summary.replace(/\s+/g, ' '))}`,
  ];
}

const firstLine = (text) => text.trim().split('\n')[0] ?? '';

function commandPage(command) {
  const description = describe(render(command.description ?? '', command));
  const summary = render(command.summary ?? firstLine(command.description ?? ''), command);
  const [intro, ...sections] = description;
  const args = Object.values(command.args ?? {}).filter((arg) => !arg.hidden);
  return page([
    header(pageName(command.id), summary),
    '.SH SYNOPSIS',
    synopsis(command),
    '.SH DESCRIPTION',
    intro.blocks.length > 0 ? intro.blocks.map(block) : ['.PP', esc(summary)],
    args.length > 0
      ? ['.SH ARGUMENTS', args.map((arg) => ['.TP', italic(arg.name.toUpperCase()), esc(render(arg.description ?? '', command)), arg.options ? ['.br', `One of: ${arg.options.map(bold).join(', ')}.`] : []])]
      : [],
    flagSections(command),
    examples(command),
    sections.map(({ heading, blocks }) => [`.SH "${esc(heading)}"`, blocks.map(block)]),
    '.SH SEE ALSO',
    `${seeAlso('')}, ${bold(`${bin} help ${displayId(command.id)}`)}`,
  ]);
}

/** The block most commands share under a heading (EXIT CODES), for the overview. */
function commonSection(commands, heading) {
  const counts = new Map();
  for (const command of commands) {
    const section = describe(render(command.description ?? '', command)).find((candidate) => candidate.heading === heading);
    if (section) counts.set(JSON.stringify(section.blocks), (counts.get(JSON.stringify(section.blocks)) ?? 0) + 1);
  }
  const [best] = [...counts].sort((a, b) => b[1] - a[1]);
  return best ? JSON.parse(best[0]) : undefined;
}

/** The README's first paragraph (after its title), markdown code in bold and links as their text. */
function readmeIntro() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const paragraph = /^# .*\n+((?:[^#\n<].*\n)+)/m.exec(readme)?.[1];
  if (paragraph === undefined) return undefined;
  return paragraph
    .trim()
    .split('`')
    .map((part, index) => (index % 2 === 1 ? bold(part) : esc(part.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\s+/g, ' '))))
    .join('');
}

function overviewPage(commands) {
  const topics = config.topics.filter((topic) => !topic.hidden && !commands.some((command) => command.id === topic.name));
  const topicOf = (command) => topics.filter((topic) => command.id.startsWith(`${topic.name}:`)).map((topic) => topic.name).sort((a, b) => b.length - a.length)[0] ?? '';
  const groups = [['', undefined], ...topics.map((topic) => [topic.name, topic])].sort((a, b) => a[0].localeCompare(b[0]));
  const entry = (command) => [
    '.TP',
    [bold(`${bin} ${displayId(command.id)}`), ...Object.values(command.args ?? {}).filter((arg) => !arg.hidden).map((arg) => (arg.required ? italic(arg.name.toUpperCase()) : `[${italic(arg.name.toUpperCase())}]`))].join(' '),
    `${esc(render(command.summary ?? firstLine(command.description ?? ''), command))} See ${seeAlso(command.id)}.`,
  ];
  const env = new Map();
  for (const command of commands) {
    for (const flag of visibleFlags(command).filter((candidate) => candidate.env)) {
      if (!env.has(flag.env)) env.set(flag.env, { flags: new Set(), summary: render(flag.summary ?? flag.description ?? '', command) });
      env.get(flag.env).flags.add(flag.name);
    }
  }
  const exitCodes = commonSection(commands, 'EXIT CODES');
  const example = commands.find((command) => command.id.includes(':')) ?? commands[0];
  return page([
    header(bin, config.pjson.description ?? ''),
    '.SH SYNOPSIS',
    `${bold(bin)} ${italic('COMMAND')} [${italic('ARGUMENTS')}] [${italic('FLAGS')}]`,
    '.br',
    `${bold(`${bin} help`)} [${italic('COMMAND')}]`,
    '.br',
    bold(`${bin} --version`),
    '.SH DESCRIPTION',
    '.PP',
    readmeIntro() ?? esc(config.pjson.description ?? ''),
    '.PP',
    `Each command has a manual page of its own, named after the command with its words joined by '${esc('-')}'`,
    example ? `(${seeAlso(example.id)} for ${bold(`${bin} ${displayId(example.id)}`)}).` : '.',
    `${bold(`${bin} help`)} ${italic('COMMAND')} prints the same reference. README.md and the docs directory of the package`,
    `(${bold(`$(npm root -g)/${config.name}/docs`)} after ${bold(`npm install -g ${config.name}`)}) explain the concepts.`,
    '.SH COMMANDS',
    groups.map(([name, topic]) => [
      topic ? [`.SS "${esc(`${bin} ${displayId(name)}`)}"`, esc(render(topic.description ?? '', undefined))] : [],
      commands.filter((command) => topicOf(command) === name).map(entry),
    ]),
    exitCodes ? ['.SH "EXIT CODES"', exitCodes.map(block)] : [],
    env.size > 0
      ? ['.SH ENVIRONMENT', [...env].sort((a, b) => a[0].localeCompare(b[0])).map(([name, { flags, summary }]) => ['.TP', bold(name), `The default of ${[...flags].map((flag) => bold(`--${flag}`)).join(', ')}: ${esc(summary)}`])]
      : [],
    '.SH SEE ALSO',
    commands.map((command, index) => `${seeAlso(command.id)}${index < commands.length - 1 ? ',' : ''}`),
  ]);
}

// ---- output ----------------------------------------------------------------------------------

const seen = new Set();
const commands = config.commands
  .filter((command) => !command.hidden && !seen.has(command.id) && seen.add(command.id))
  .sort((a, b) => a.id.localeCompare(b.id));
const pages = new Map([[`${bin}.1`, overviewPage(commands)], ...commands.map((command) => [`${pageName(command.id)}.1`, commandPage(command)])]);

const out = options.out ?? join(root, 'man');
const list = [...pages.keys()].map((file) => `./${relative(root, join(root, 'man', 'man1', file))}`);
const pkgPath = join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));

if (options.check) {
  if (JSON.stringify(pkg.man) !== JSON.stringify(list)) {
    console.error('gen-man: package.json\'s "man" list is not the list of man pages: run npm run docs');
    process.exit(1);
  }
} else {
  rmSync(join(out, 'man1'), { recursive: true, force: true });
  mkdirSync(join(out, 'man1'), { recursive: true });
  for (const [file, text] of pages) writeFileSync(join(out, 'man1', file), text);
  if (options['package-json'] && JSON.stringify(pkg.man) !== JSON.stringify(list)) {
    pkg.man = list;
    writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
    console.log('updated package.json');
  }
}
