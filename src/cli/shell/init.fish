# repodex shell-init fish: `__CMD__ REF` goes to a clone of the repository REF names
# (cloning it into the clone root first when it has none), `__CMD__ REF WORD` to the
# clone whose path contains WORD, `__CMD__` alone picks one from a list. Names and
# aliases complete. Load it from ~/.config/fish/config.fish:
# repodex shell-init fish | source
function __CMD__ --description 'Go to a clone of a repository repodex knows'
    set -l dir (__REPODEX__ jump --cmd __CMD__ -- $argv)
    or return
    test -n "$dir"; and builtin cd -- $dir
end

complete --command __CMD__ --no-files --condition __fish_is_first_arg --arguments '(__REPODEX__ jump --complete (commandline --current-token) 2>/dev/null)'
