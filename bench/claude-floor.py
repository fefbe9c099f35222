#!/usr/bin/env python3
"""The runtime's own floor for a fan-out, without MosaicFleet: N real Claude Code panes (.tools/claude, see .ci/run) on a
private tmux socket, offline against tests/fixtures/fake_model.py. Each round pastes one text into 1 pane and then into
all N (one tmux call), captures every 10 ms until every draft shows, waits 100 ms (as the sender does), sends Enter to all
(one call) and captures every 10 ms until the text left every input box (the last line starting with the prompt).
Prints the times and the CPU the Claude process trees used. Not a test; figures go to docs/benchmarks.md by hand.

Usage: claude-floor.py [N=10] [MODEL_DELAY_SECONDS=0] [ROUNDS=5]"""
import json, os, subprocess, sys, tempfile, time, uuid, re, statistics, shutil
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10
DELAY = sys.argv[2] if len(sys.argv) > 2 else "0"
REP = int(sys.argv[3]) if len(sys.argv) > 3 else 5
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
claude = f"{root}/.tools/claude/node_modules/.bin/claude"
sid = uuid.uuid4().hex[:8]
sock = f"mffloor-{sid}"
work = tempfile.mkdtemp(prefix=f"mffloor-{sid}-")
T = ["/usr/bin/tmux", "-L", sock]
def tm(*a, inp=None):
    return subprocess.run(T + list(a), input=inp, capture_output=True, text=True).stdout
if not os.path.exists(claude): raise SystemExit(f"Claude Code is not installed at {claude} (.ci/run installs it)")
model = subprocess.Popen(["python3", f"{root}/tests/fixtures/fake_model.py", "--delay", DELAY], stdout=subprocess.PIPE, text=True)
port = int(model.stdout.readline())
key = "sk-fake-mosaic-bench-0123456789"
HZ = os.sysconf("SC_CLK_TCK")
def ticks_tree(roots):
    kids, tk = {}, {}
    for p in os.listdir("/proc"):
        if not p.isdigit(): continue
        try: s = open(f"/proc/{p}/stat").read()
        except OSError: continue
        r = s[s.rfind(")") + 2:].split()
        tk[int(p)] = int(r[11]) + int(r[12]); kids.setdefault(int(r[1]), []).append(int(p))
    tot, st = 0, list(roots)
    while st:
        p = st.pop(); tot += tk.get(p, 0); st += kids.get(p, [])
    return tot * 1000 // HZ
def ticks_one(pid):
    s = open(f"/proc/{pid}/stat").read(); r = s[s.rfind(")") + 2:].split()
    return (int(r[11]) + int(r[12])) * 1000 // HZ
try:
    tm("-f", "/dev/null", "new-session", "-d", "-s", "_holder", "sleep", "100000")
    names = [f"c{i:02d}" for i in range(N)]
    for n in names:
        h = f"{work}/home-{n}"; d = f"{h}/work"; os.makedirs(d)
        json.dump({"hasCompletedOnboarding": True, "projects": {d: {"hasTrustDialogAccepted": True}},
                   "customApiKeyResponses": {"approved": [key[-20:]], "rejected": []}}, open(f"{h}/.claude.json", "w"))
        tm("new-session", "-d", "-s", n, "-x", "120", "-y", "40", "-c", d, "--", "env", f"HOME={h}",
           f"ANTHROPIC_BASE_URL=http://127.0.0.1:{port}", f"ANTHROPIC_API_KEY={key}", "DISABLE_AUTOUPDATER=1", claude)
    panes = {}
    for line in tm("list-panes", "-a", "-F", "#{session_name} #{pane_id} #{pane_pid}").splitlines():
        s, p, pid = line.split()
        if s in names: panes[s] = (p, int(pid))
    server = int(tm("display-message", "-p", "#{pid}").strip())
    def screen(p): return tm("capture-pane", "-p", "-t", p)
    dl = time.time() + 120
    for n in names:
        while not re.search(r"(?m)^❯\s*$", screen(panes[n][0])):
            if time.time() > dl: raise SystemExit("no input box")
            time.sleep(0.3)
    time.sleep(3)
    pids = [panes[n][1] for n in names]
    c0 = ticks_tree(pids); time.sleep(3); print(f"idle CPU, {N} claude, 3 s: {ticks_tree(pids)-c0} ms")
    def capall(ps):
        args = []
        for p in ps: args += ["capture-pane", "-p", "-t", p, ";", "display-message", "-p", "-t", p, "@@MARK@@", ";"]
        return tm(*args[:-1]).split("@@MARK@@")[:-1]
    def input_line(scr):
        # the line after the last "❯" prompt line (input box)
        ls = [l for l in scr.split("\n") if l.startswith("❯")]
        return ls[-1] if ls else ""
    def wait_idle(ps, secs=1.5, limit=60):
        # unchanged screens for secs
        last, since, end = None, time.time(), time.time() + limit
        while time.time() < end:
            s = capall(ps)
            if s != last: last, since = s, time.time()
            elif time.time() - since >= secs and not any("esc to interrupt" in x for x in s): return
            time.sleep(0.1)
    res = {1: [], N: []}
    for r in range(REP):
        for k in (1, N):
            ps = [panes[n][0] for n in names[:k]]
            wait_idle(ps)
            msg = f"floor {r} {k} {uuid.uuid4().hex[:6]}"
            srv0, cl0 = ticks_one(server), ticks_tree(pids[:k])
            t0 = time.perf_counter()
            args = ["load-buffer", "-b", "fb", "-", ";"]
            for p in ps: args += ["paste-buffer", "-p", "-b", "fb", "-t", p, ";"]
            args += ["delete-buffer", "-b", "fb"]
            tm(*args, inp=msg)
            # draft seen in all
            while True:
                s = capall(ps)
                if all(msg in input_line(x) for x in s): break
                time.sleep(0.01)
            t1 = time.perf_counter()
            time.sleep(0.1)
            t2 = time.perf_counter()
            args = []
            for p in ps: args += ["send-keys", "-t", p, "Enter", ";"]
            tm(*args[:-1])
            gone = {}
            while len(gone) < k:
                s = capall(ps)
                now = time.perf_counter()
                for i, x in enumerate(s):
                    if i not in gone and msg not in input_line(x): gone[i] = now - t2
                time.sleep(0.01)
            t3 = time.perf_counter()
            srv1, cl1 = ticks_one(server), ticks_tree(pids[:k])
            res[k].append((t1 - t0, t3 - t2, cl1 - cl0, srv1 - srv0, sorted(gone.values())))
            print(f"r{r} n={k:2d} paste->draft {1000*(t1-t0):6.0f} ms  enter->all gone {1000*(t3-t2):6.0f} ms  claudeCPU {cl1-cl0:5d} ms  tmux server {srv1-srv0:4d} ms  gone at {[int(g*1000) for g in sorted(gone.values())]}", flush=True)
    for k in (1, N):
        tot = [a + b for a, b, *_ in res[k]]
        print(f"n={k}: median paste->draft {1000*statistics.median(a for a,*_ in res[k]):.0f} ms, enter->gone {1000*statistics.median(b for _,b,*_ in res[k]):.0f} ms, total {1000*statistics.median(tot):.0f} ms, claude CPU {statistics.median(c for *_,c,_,_ in res[k]):.0f} ms")
finally:
    subprocess.run(T + ["kill-server"], capture_output=True)
    model.kill()
    shutil.rmtree(work, ignore_errors=True)
