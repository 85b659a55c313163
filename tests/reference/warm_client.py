# Issue 47 groundwork (branch warm-start): plays seedscope's side of seedscope_warm.py from Python:
# N runs cold, then warm, and compares each run's weights hash and value. Example:
#   python3 tests/reference/warm_client.py examples/pytorch-digits/train.py torch,numpy --epochs 3
#   PYTHONPATH=tests/reference python3 tests/reference/warm_client.py tests/reference/warm_leak.py numpy,draws_at_import
import json, os, socket, subprocess, sys, time, threading
server_py = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "assets", "command", "seedscope_warm.py")
script = sys.argv[1]; preload = sys.argv[2]; extra = sys.argv[3:]
def env_for(i):
    e = dict(os.environ)
    for s in ["DATA","SPLIT","INIT","DROPOUT","SHUFFLE"]:
        e["SEEDSCOPE_SEED_"+s] = str(100+i)
    e.update(SEEDSCOPE_THREADS="1", SEEDSCOPE_DETERMINISTIC="1", OMP_NUM_THREADS="1",
             SEEDSCOPE_RESULT=f"/tmp/seedscope-warm-r-{i}.json")
    return e
def result(i):
    try: return json.load(open(f"/tmp/seedscope-warm-r-{i}.json"))
    except Exception as e: return {"missing": str(e)}
N=int(os.environ.get("N","3"))
t=time.time(); cold=[]
for i in range(N):
    subprocess.run([sys.executable, script, *extra], env=env_for(i), stdout=subprocess.DEVNULL)
    cold.append(result(i)); os.remove(f"/tmp/seedscope-warm-r-{i}.json")
cold_t=(time.time()-t)/N
sock="/tmp/seedscope-warm-s.sock"
if os.path.exists(sock): os.remove(sock)
t=time.time()
server=subprocess.Popen([sys.executable, server_py, sock, *(["--script", script] if preload == "auto" else ["--preload", preload])], env=env_for(0), stdout=subprocess.PIPE)
print("server:", server.stdout.readline().decode().strip())
warm=[]
for i in range(N):
    out_r, out_w = os.pipe(); err_r, err_w = os.pipe()
    c=socket.socket(socket.AF_UNIX); c.connect(sock)
    req=json.dumps({"argv":[script,*extra],"env":env_for(i),"cwd":os.getcwd()})+"\n"
    socket.send_fds(c,[req.encode()],[out_w,err_w]); os.close(out_w); os.close(err_w)
    f=c.makefile("r")
    pid=json.loads(f.readline())["pid"]
    end=json.loads(f.readline())
    c.close()
    err=os.read(err_r,100000).decode()
    if end!={"exit":0}: print("warm run", i, end, err[-500:])
    warm.append(result(i))
warm_t=(time.time()-t)/N
server.kill()
key=lambda r: (r.get("weights_hash"), r.get("value"))
print(f"cold {cold_t:.2f} s/run, warm {warm_t:.2f} s/run (incl. start), ratio {warm_t/cold_t:.2f}")
print("cold:", [key(r) for r in cold]); print("warm:", [key(r) for r in warm])
print("same:", [key(r) for r in cold]==[key(r) for r in warm])
