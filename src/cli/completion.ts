/** `roster completion bash|zsh`: shell completion generated from the command tree, so it never goes stale. */
import type { Command } from 'commander';

function tree(command: Command, prefix: string[] = []): { path: string[]; words: string[] }[] {
  const subcommands = command.commands.map((c) => c.name());
  const options = command.options.map((o) => o.long).filter((o): o is string => Boolean(o));
  return [{ path: prefix, words: [...subcommands, ...options] }, ...command.commands.flatMap((c) => tree(c, [...prefix, c.name()]))];
}

/** The bash script (`source <(roster completion bash)`). */
export function bashCompletion(program: Command): string {
  const cases = tree(program)
    .map(({ path, words }) => `    "${path.join(' ')}") words="${words.join(' ')}" ;;`)
    .join('\n');
  return `# roster bash completion: source <(roster completion bash)
_roster() {
  local cur path words i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) path="\${path:+$path }\${COMP_WORDS[i]}" ;; esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _roster roster
`;
}

/** The zsh script (`source <(roster completion zsh)`), through bashcompinit. */
export function zshCompletion(program: Command): string {
  return `# roster zsh completion: source <(roster completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program)}`;
}
