using MosaicFleet.Engine.Roster;
using MosaicFleet.Engine.Processes;

namespace MosaicFleet.Engine.Worktrees;

/// <summary>The constant POSIX sh scripts that make, read and remove worktrees ON the agent's host (here, over ssh,
/// and in the agent unit's ExecStartPre at boot, where only sh runs). Data reach them only as positional arguments;
/// each script is one line without '!' (csh-family login shells run it too). They never reset, clean or check out
/// anything in the repository's own checkout; `git worktree add` and `remove` run under flock on
/// &lt;git-common-dir&gt;/mosaic-fleet-worktree.lock, so starts of several agents of one repository go one at a time.</summary>
public static class WorktreeScripts
{
    public const string ArgZero = "mosaic-worktree";

    /// <summary>Exit codes of <see cref="Ensure"/> and <see cref="Remove"/> (anything else: git failed, stderr says why).</summary>
    public const int RepositoryMissingCode = 3, BranchInUseCode = 4, PathInUseCode = 5, LockTimeoutCode = 6, GitFailedCode = 7, DirtyCode = 10;

    /// <summary>Seconds a script waits for the repository's lock.</summary>
    public const int LockWaitSeconds = 60;

    /// <summary>sh functions shared by the scripts. R: a path as the roster writes it, made absolute on this host
    /// ('~', '~/x' and relative paths under $HOME), the same rules as <see cref="WorktreeSpecs.OnHost"/>.
    /// D: the default worktree path of tenant $1, agent $2. G: cd into repository $r and set g to its absolute git
    /// common dir (exit 3 when it is not a repository). S: what stands at $p: ok (a worktree of $g, at its top), none,
    /// empty (an empty directory), other. L: take the repository's lock. P: prune entries whose directory vanished
    /// (git's 'prunable' mark, or, for a git older than 2.31 without it, a listed directory that is not there).</summary>
    internal static readonly string Functions = string.Join(' ',
        "R() { case $1 in '~') o=$HOME;; '~/'*) o=$HOME/${1#'~/'};; /*) o=$1;; *) o=$HOME/$1;; esac; };",
        "D() { d=${XDG_DATA_HOME:-}; case $d in /*) ;; *) d=$HOME/.local/share;; esac; o=$d/" + WorktreeSpecs.DefaultPathTail + "/$1/$2; };",
        "G() { if cd -- \"$r\" 2>/dev/null && g=$(git rev-parse --git-common-dir 2>/dev/null) && g=$(cd -- \"$g\" && pwd -P); then :; else printf 'mosaic-worktree: no git repository at %s\\n' \"$r\" >&2; exit 3; fi; };",
        "S() { s=none; if [ -e \"$p\" ] || [ -L \"$p\" ]; then s=other; if [ -d \"$p\" ]; then",
        "if c=$(cd -- \"$p\" 2>/dev/null && cd -- \"$(git rev-parse --git-common-dir 2>/dev/null)\" 2>/dev/null && pwd -P) && [ \"$c\" = \"$g\" ]",
        "&& [ \"$(cd -- \"$p\" && git rev-parse --show-toplevel 2>/dev/null)\" = \"$(cd -- \"$p\" && pwd -P)\" ]; then s=ok;",
        "elif [ -z \"$(ls -A -- \"$p\" 2>/dev/null)\" ]; then s=empty; fi; fi; fi; };",
        $"L() {{ if command -v flock >/dev/null 2>&1; then exec 9>>\"$g/mosaic-fleet-worktree.lock\"; if flock -w {LockWaitSeconds} 9; then :; else printf 'mosaic-worktree: another start held the lock of %s for {LockWaitSeconds} s\\n' \"$r\" >&2; exit 6; fi; fi; }};",
        "P() { if git worktree list --porcelain 2>/dev/null | { while IFS= read -r l; do case $l in prunable*) exit 0;; 'worktree '*) [ -e \"${l#worktree }\" ] || exit 0;; esac; done; exit 1; };",
        "then git worktree prune && printf 'pruned worktree entries of %s whose directory had vanished\\n' \"$r\"; fi; };");

    /// <summary>`sh -c Ensure mosaic-worktree REPOSITORY BRANCH BASE PATH`: makes the worktree when missing, reuses it
    /// when it is there (whatever its state), prints one status line. An empty REPOSITORY (an agent without a worktree)
    /// does nothing. A new branch starts at BASE, else at the repository's HEAD (its branch when on one), and the start
    /// is recorded in git config branch.&lt;BRANCH&gt;.mosaicBase.</summary>
    public static readonly string Ensure = string.Join(' ',
        "[ -n \"$1\" ] || exit 0;", Functions,
        "R \"$1\"; r=$o; b=$2; k=$3; R \"$4\"; p=$o; G;",
        "U() { h=$(git -C \"$p\" symbolic-ref -q --short HEAD) || h='(detached HEAD)'; printf 'reused %s (branch %s)\\n' \"$p\" \"$h\"; exit 0; };",
        "X() { printf 'mosaic-worktree: %s exists and is not a worktree of %s; move it away or set worktree.path\\n' \"$p\" \"$r\" >&2; exit 5; };",
        "S; [ \"$s\" = ok ] && U; [ \"$s\" = other ] && X;",
        "L; P; S; [ \"$s\" = ok ] && U; [ \"$s\" = other ] && X;",
        "u=$(git worktree list --porcelain | while IFS= read -r l; do case $l in 'worktree '*) w=${l#worktree };; \"branch refs/heads/$b\") printf '%s' \"$w\"; break;; esac; done);",
        "if [ -n \"$u\" ]; then printf 'mosaic-worktree: branch %s is already checked out at %s\\n' \"$b\" \"$u\" >&2; exit 4; fi;",
        "mkdir -p -- \"$(dirname -- \"$p\")\" || exit 7;",
        "if git show-ref --verify -q \"refs/heads/$b\"; then git worktree add -- \"$p\" \"$b\" >&2 || exit 7; printf 'created %s on existing branch %s\\n' \"$p\" \"$b\"; exit 0; fi;",
        "if [ -z \"$k\" ]; then k=$(git symbolic-ref -q HEAD) || k=$(git rev-parse -q --verify HEAD) || { printf 'mosaic-worktree: %s has no commit to start branch %s from\\n' \"$r\" \"$b\" >&2; exit 7; }; fi;",
        "git worktree add -b \"$b\" -- \"$p\" \"$k\" >&2 || exit 7;",
        "git config \"branch.$b.mosaicBase\" \"$k\" || exit 7;",
        "printf 'created %s on new branch %s from %s\\n' \"$p\" \"$b\" \"$k\"");

    /// <summary>`sh -c Query mosaic-worktree NONCE TENANT [AGENT REPOSITORY PATH BRANCH BASE]...`: every agent's worktree
    /// state in one run. Per agent: a marker line, then nine NUL-terminated fields: state, path, repository, branch,
    /// base, "behind\tahead", uncommitted, untracked, "%h %ct %s" of HEAD.</summary>
    public static readonly string Query = string.Join(' ',
        Functions,
        "n=$1; t=$2; shift 2;",
        "while [ \"$#\" -ge 5 ]; do a=$1; R \"$2\"; r=$o; if [ -n \"$3\" ]; then R \"$3\"; else D \"$t\" \"$a\"; fi; p=$o; b=$4; k=$5; shift 5;",
        "printf '@@mosaic-worktree:%s:%s\\n' \"$n\" \"$a\";",
        "h=; ab=; uc=; ut=; lc=; s=norepo;",
        "if g=$(cd -- \"$r\" 2>/dev/null && cd -- \"$(git rev-parse --git-common-dir 2>/dev/null)\" 2>/dev/null && pwd -P); then S; fi;",
        "if [ \"$s\" = ok ]; then",
        "h=$(git -C \"$p\" symbolic-ref -q --short HEAD) || h=;",
        "c=$(git -C \"$p\" config --get \"branch.${h:-$b}.mosaicBase\") && k=$c;",
        "[ -n \"$k\" ] && ab=$(git -C \"$p\" rev-list --left-right --count --end-of-options \"$k...HEAD\" 2>/dev/null);",
        "x=$(git -C \"$p\" status --porcelain 2>/dev/null) || x=;",
        "if [ -n \"$x\" ]; then ut=$(printf '%s\\n' \"$x\" | grep -c '^??'); uc=$(printf '%s\\n' \"$x\" | grep -vc '^??'); else uc=0; ut=0; fi;",
        "lc=$(git -C \"$p\" log -1 --format='%h %ct %s' 2>/dev/null) || lc=;",
        "fi;",
        "printf '%s\\0' \"$s\" \"$p\" \"$r\" \"$h\" \"$k\" \"$ab\" \"$uc\" \"$ut\" \"$lc\";",
        "done;",
        "printf '@@mosaic-worktree:%s:end\\n' \"$n\"");

    /// <summary>`sh -c Remove mosaic-worktree REPOSITORY PATH TENANT AGENT FORCE`: removes the worktree (git worktree remove;
    /// the branch and its commits stay). Refuses (exit 10) uncommitted or untracked changes unless FORCE is 1. A
    /// worktree with submodules needs git's own --force; it is passed once the changes are checked. Prints one status
    /// line.</summary>
    public static readonly string Remove = string.Join(' ',
        Functions,
        "R \"$1\"; r=$o; if [ -n \"$2\" ]; then R \"$2\"; else D \"$3\" \"$4\"; fi; p=$o; f=$5; G;",
        "S; if [ \"$s\" = none ]; then L; P; printf 'absent %s: no worktree there; nothing to remove\\n' \"$p\"; exit 0; fi;",
        "if [ \"$s\" = other ] || [ \"$s\" = empty ]; then printf 'mosaic-worktree: %s is not a worktree of %s; left alone\\n' \"$p\" \"$r\" >&2; exit 5; fi;",
        "h=$(git -C \"$p\" symbolic-ref -q --short HEAD) || h='(detached HEAD)';",
        "x=$(git -C \"$p\" status --porcelain) || exit 7;",
        "if [ -n \"$x\" ] && [ \"$f\" != 1 ]; then ut=$(printf '%s\\n' \"$x\" | grep -c '^??'); uc=$(printf '%s\\n' \"$x\" | grep -vc '^??');",
        "printf 'mosaic-worktree: %s has %s uncommitted and %s untracked changes; commit them, or use -Force to discard them\\n' \"$p\" \"$uc\" \"$ut\" >&2; exit 10; fi;",
        "ff=; if [ \"$f\" = 1 ] || [ -f \"$p/.gitmodules\" ]; then ff=--force; fi;",
        "L; git worktree remove $ff -- \"$p\" >&2 || exit 7;",
        "printf 'removed %s (branch %s kept)\\n' \"$p\" \"$h\"");

    public static CommandSpec EnsureCommand(ResolvedWorktree w, TimeSpan timeout)
        => new(["sh", "-c", Ensure, ArgZero, w.Repository, w.Branch, w.Base ?? "", w.Path], timeout + TimeSpan.FromSeconds(LockWaitSeconds));

    public static CommandSpec RemoveCommand(string repository, string pathSpec, string tenant, string agent, bool force, TimeSpan timeout)
        => new(["sh", "-c", Remove, ArgZero, repository, pathSpec, tenant, agent, force ? "1" : "0"], timeout + TimeSpan.FromSeconds(LockWaitSeconds));
}
