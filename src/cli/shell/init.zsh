# repodex shell-init zsh: `__CMD__ REF` goes to a clone of the repository REF names
# (cloning it into the clone root first when it has none), `__CMD__ REF WORD` to the
# clone whose path contains WORD, `__CMD__` alone picks one from a list. Names and
# aliases complete. Load it from ~/.zshrc, after compinit:
# eval "$(repodex shell-init zsh)"
__CMD__() {
    local __repodex_dir
    __repodex_dir="$(__REPODEX__ jump --cmd __CMD__ -- "$@")" || return
    [[ -n $__repodex_dir ]] && builtin cd -- "$__repodex_dir"
}

__repodex_complete___CMD__() {
    (( CURRENT == 2 )) || return 1
    local -a refs
    refs=(${(f)"$(__REPODEX__ jump --complete "${words[CURRENT]}" 2>/dev/null)"})
    compadd -a refs
}
if (( $+functions[compdef] )); then
    compdef __repodex_complete___CMD__ __CMD__
fi
