# repodex shell-init bash: `__CMD__ REF` goes to a clone of the repository REF names
# (cloning it into the clone root first when it has none), `__CMD__ REF WORD` to the
# clone whose path contains WORD, `__CMD__` alone picks one from a list. Names and
# aliases complete. Load it from ~/.bashrc: eval "$(repodex shell-init bash)"
__CMD__() {
    local __repodex_dir
    __repodex_dir="$(__REPODEX__ jump --cmd __CMD__ -- "$@")" || return
    [ -n "$__repodex_dir" ] && builtin cd -- "$__repodex_dir"
}

__repodex_complete___CMD__() {
    local IFS=$'\n'
    COMPREPLY=()
    [ "$COMP_CWORD" -eq 1 ] || return 0
    COMPREPLY=($(__REPODEX__ jump --complete "${COMP_WORDS[COMP_CWORD]}" 2>/dev/null))
}
complete -F __repodex_complete___CMD__ __CMD__
