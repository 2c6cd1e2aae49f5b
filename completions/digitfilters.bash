# bash completion for the digitfilters tools: pnmdigitprep, digitclassify,
# digitaugment and digittrain.  Installed once per tool where
# bash-completion looks (completions/TOOL); it can also be sourced.
#
# The options come from the tool's own --help, so they never go stale;
# the values of the options that take a fixed set, a file or a
# directory are known here.

# _digitfilters_values TOOL OPTION CUR: complete the value of OPTION.
_digitfilters_values()
{
    local opt=$2 cur=$3
    case $opt in
    --format|-f)
        COMPREPLY=($(compgen -W 'digits tsv json' -- "$cur")) ;;
    --ink|-i)
        COMPREPLY=($(compgen -W 'auto dark light' -- "$cur")) ;;
    --threshold|-t)
        [ "$1" = pnmdigitprep ] &&
            COMPREPLY=($(compgen -W 'otsu sauvola none' -- "$cur")) ;;
    --paper|-p)
        COMPREPLY=($(compgen -W 'auto always off' -- "$cur")) ;;
    --model|--evaluate|-m)
        if [ "$opt" = -m ] && [ "$1" = pnmdigitprep ]; then
            return 0                # --max-digits: a number
        fi
        COMPREPLY=($(compgen -f -X '!*.model' -- "$cur") \
                   $(compgen -d -- "$cur")) ;;
    --debug|-d|--extra)
        COMPREPLY=($(compgen -d -- "$cur")) ;;
    --train|--test)
        # an IDX prefix: the file names without -images-idx3-ubyte[.gz]
        COMPREPLY=($(compgen -f -- "$cur" |
                     sed -n 's/-images-idx3-ubyte\(\.gz\)\{0,1\}$//p') \
                   $(compgen -d -- "$cur")) ;;
    --boxes|--misclassified|--checkpoint|-o|--output)
        COMPREPLY=($(compgen -f -- "$cur")) ;;
    *)
        return 1 ;;
    esac
    return 0
}

# _digitfilters: the completion function of every tool.
_digitfilters()
{
    local tool=${COMP_WORDS[0]##*/} cur=${COMP_WORDS[COMP_CWORD]}
    local prev= opt= opts
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    if [ "$cur" = = ]; then
        # "--opt=" with nothing typed after the "="
        opt=$prev
        cur=
    elif [ "$prev" = = ] && [ "$COMP_CWORD" -gt 1 ]; then
        opt=${COMP_WORDS[COMP_CWORD - 2]}
    elif [[ $cur == --*=* ]]; then
        opt=${cur%%=*}
        cur=${cur#*=}
    elif [[ $prev == -* ]]; then
        opt=$prev
    fi
    if [ -n "$opt" ] && _digitfilters_values "$tool" "$opt" "$cur"; then
        return 0
    fi
    if [[ $cur == -* ]]; then
        # the options of the lines of --help that start with one
        opts=$("${COMP_WORDS[0]}" --help 2>/dev/null |
               sed -n 's/^ *\(-[^ ].*\)$/\1/p' | sed 's/  .*//' |
               grep -o -E -- '--?[a-zA-Z0-9][a-z0-9-]*(\[?=)?' |
               sed 's/\[=$/=/' | grep -v -E -- '-$|-=$|^--[A-Z]')
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        # an option that takes a value: no space after its "="
        if [ "${#COMPREPLY[@]}" -eq 1 ] && [[ ${COMPREPLY[0]} == *= ]]; then
            compopt -o nospace 2>/dev/null
        fi
        return 0
    fi
    # operands: image files, or any file
    COMPREPLY=($(compgen -f -- "$cur"))
    compopt -o filenames 2>/dev/null
    return 0
}

complete -F _digitfilters pnmdigitprep digitclassify digitaugment digittrain
