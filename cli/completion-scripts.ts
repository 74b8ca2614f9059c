/**
 * The bash and zsh completion functions `xlp autocomplete` installs (cli/autocomplete-hook.ts puts
 * them where @oclif/plugin-autocomplete's setup line sources them). They know nothing of xlp's
 * commands: each TAB asks the installed xlp (`xlp __complete WORD...`, cli/complete.ts), so they
 * never go stale. The plugin's own bash function repeats a topic once per command under it
 * ("audit audit audit audit audit" for `xlp au<TAB>`: its __trim_colon_commands cuts every
 * `audit:*` id to `audit` without removing the copies) and completes no values.
 */

/** Seconds after which a TAB gives up on xlp (which itself gives up on a host after 1.5 s). */
const GIVE_UP_S = 3;

export function bashCompletion(bin: string): string {
  return `# ${bin} completion for bash, written by '${bin} autocomplete'.
_${bin}_complete() {
  # The line up to the cursor, split on blanks (xlp's words hold none), the last word possibly empty.
  local line="\${COMP_LINE:0:COMP_POINT}" cur="\${COMP_WORDS[COMP_CWORD]}"
  local -a words found
  read -r -a words <<< "$line"
  [[ -z "$line" || "$line" =~ [[:space:]]$ ]] && words+=("")
  local IFS=$'\\n'
  found=($(timeout ${GIVE_UP_S} "\${words[0]}" __complete "\${words[@]:1}" 2>/dev/null))
  # bash splits --format=csv at '=': it replaces only the part after the last break character.
  local strip="\${words[\${#words[@]}-1]%"$cur"}" candidate
  COMPREPLY=()
  for candidate in "\${found[@]}"; do COMPREPLY+=("$(printf '%q' "\${candidate#"$strip"}")"); done
}
complete -o default -F _${bin}_complete ${bin}
`;
}

export function zshCompletion(bin: string): string {
  return `#compdef ${bin}
# ${bin} completion for zsh, written by '${bin} autocomplete'.
_${bin}() {
  local -a found
  found=("\${(@f)$(timeout ${GIVE_UP_S} "\${words[1]}" __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  # Nothing from xlp: a file name, as for a payload file.
  if [[ -n "\${found[1]}" ]]; then compadd -- "\${found[@]}"; else _files; fi
}
_${bin} "$@"
`;
}
