# clockflow_seeds.py — writes the seed corpus of fuzz_clockflow (test/fuzz/corpus/clockflow):
#   python3 test/fuzz/clockflow_seeds.py test/fuzz/corpus/clockflow
# The byte layout is the one fuzz_clockflow.c reads (see its header comment and main loop);
# one seed per story, so that every fact kind and policy edit is in the corpus from the start.
import os, struct, sys
out = sys.argv[1]
def target(kind, v): return bytes([kind]) + struct.pack('>H', v)
def level(cal, targets):  # targets: {metric: (kind, v)}
    mask = 0
    for m in targets: mask |= 1 << m
    b = bytes([cal, mask])
    for m in range(6):
        if m in targets: b += target(*targets[m])
    return b
def start(kind=4, v=9*24*60 + 9*60): return bytes([kind]) + struct.pack('>I', v)
def step(kind=1, v=30): return bytes([kind, v])
CREATED, MSG, LC, LEVEL, POLICY = 0, 1, 4, 6, 7
def created(lc, lvl): return bytes([CREATED, lc | (lvl << 4)])
def msg(agent, public=True, resp=0): return bytes([MSG, (1 if agent else 0) | (2 if public else 0) | (resp << 3)])
def lc(x): return bytes([LC, x])
def lev(x): return bytes([LEVEL, x])
OPEN, PAUSED, SOLVED, CLOSED, DELETED = range(5)
# each fact: kind, arg, step (2 bytes), [policy edit bytes], cancel step (2 bytes)
def fact(f, st=step(), extra=b''): return f + st + extra + step(1, 5)
std = {0: (3, 4), 1: (3, 2), 2: (3, 8), 3: (1, 60), 4: (1, 30), 5: (3, 16)}
gold = {0: (3, 1), 5: (4, 0x0210)}
bare = {5: (2, 240)}
huge = {0: (6, 1), 5: (5, 3000)}
def header(nlev, cals, levels, st=start()):
    return bytes([nlev - 1]) + bytes(cals) + b''.join(levels) + st
seeds = {
 'seed_01_reply_cycle': header(3, [1, 0], [level(0, std), level(0, gold), level(1, bare)]) +
    fact(created(OPEN, 1)) + fact(msg(True)) + fact(msg(False)) + fact(msg(False, True, 1)) +
    fact(msg(True)) + fact(msg(False, False)) + fact(lc(SOLVED)),
 'seed_02_pause_reopen': header(2, [1 | 0x10, 2], [level(0, std), level(1, gold)]) +
    fact(created(OPEN, 1)) + fact(lc(PAUSED), step(5, 20)) + fact(lc(OPEN), step(5, 3)) +
    fact(msg(True)) + fact(lc(SOLVED)) + fact(msg(False), step(7, 1)) + fact(lc(OPEN)) + fact(lc(CLOSED)),
 'seed_03_level_changes': header(4, [0, 3], [level(0, std), level(1, gold), level(1, bare), level(0, huge)]) +
    fact(created(PAUSED, 2)) + fact(lev(1)) + fact(lev(3)) + fact(lev(5)) + fact(lev(4)) + fact(lc(OPEN)),
 'seed_04_policy_edits': header(2, [1, 4 | 0x30], [level(0, std), level(1, gold)]) +
    fact(created(OPEN, 1)) + fact(bytes([POLICY, 0 | (5 << 3)]), extra=bytes([0]) + target(3, 20)) +
    fact(bytes([POLICY, 2 | (0 << 3)]), extra=bytes([0])) + fact(bytes([POLICY, 3]), extra=bytes([0])) +
    fact(bytes([POLICY, 4]), extra=bytes([0, 2])) + fact(bytes([POLICY, 5]), extra=bytes([0])) +
    fact(bytes([POLICY, 6]), extra=bytes([0])),
 'seed_05_out_of_order': header(1, [5, 0], [level(0, std)]) +
    fact(created(OPEN, 1)) + fact(lc(SOLVED), step(8, 90)) + fact(msg(False), step(9, 2)) +
    fact(lc(OPEN), step(8, 10)) + fact(lc(DELETED)) + fact(lc(OPEN), step(5, 1)),
 'seed_06_ends_of_time': header(2, [0, 3], [level(0, std), level(1, huge)], start(0, 600 * 24 * 60)) +
    fact(created(OPEN, 1)) + fact(msg(True), step(5, 30)) + fact(lc(PAUSED), step(12, 200)) +
    fact(lc(OPEN), step(13, 1)) + fact(lev(2), step(12, 0)) + fact(lc(SOLVED), step(15, 0x10)),
 'seed_07_created_solved': header(1, [0, 0], [level(0, std)]) +
    fact(created(SOLVED, 1)) + fact(msg(False)) + fact(lc(OPEN)) + fact(msg(True)) + fact(lc(CLOSED)),
 'seed_08_no_level': header(2, [11, 0], [level(0, std), level(1, std)]) +
    fact(msg(False)) + fact(created(OPEN, 0)) + fact(msg(False)) + fact(lev(2)) + fact(msg(True)),
}
os.makedirs(out, exist_ok=True)
for name, b in seeds.items():
    open(os.path.join(out, name), 'wb').write(b)
