#!/usr/bin/env python3
"""Print the DOM headless Chromium built for a URL, with JavaScript disabled.

`chromium --headless --dump-dom` reads the DOM by running JavaScript in the
page, so with scriptEnabled=false it prints nothing. This drives Chromium over
the DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages ended
by NUL on fds 3 and 4, no websocket needed), turns script execution off with
Emulation.setScriptExecutionDisabled before loading the page (and starts the
browser with --blink-settings=scriptEnabled=false too), and reads the DOM with
DOM.getOuterHTML, which runs no script. Prints "js: off" on stderr when a
<noscript> test page shows scripting is really off ("js: on" otherwise).

usage: chrome_dom.py CHROMIUM URL USER_DATA_DIR   (serve.sh bounds it with timeout)
"""
import json, os, subprocess, sys

chrome, url, udd = sys.argv[1:4]
to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()
pid = os.fork()
if pid == 0:
    os.dup2(to_chrome_r, 3)
    os.dup2(from_chrome_w, 4)
    os.set_inheritable(3, True)  # dup2(3, 3) keeps os.pipe()'s close-on-exec
    os.set_inheritable(4, True)
    for fd in (to_chrome_r, to_chrome_w, from_chrome_r, from_chrome_w):
        if fd > 4:
            os.close(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.execv(chrome, [chrome, "--headless", "--no-sandbox", "--disable-gpu",
                      "--no-first-run", "--user-data-dir=" + udd,
                      "--blink-settings=scriptEnabled=false",
                      "--remote-debugging-pipe", "about:blank"])
os.close(to_chrome_r)
os.close(from_chrome_w)
out = os.fdopen(to_chrome_w, "wb", buffering=0)
inp = os.fdopen(from_chrome_r, "rb", buffering=0)
buf = b""
next_id = [0]
events = []


def recv():
    global buf
    while b"\0" not in buf:
        chunk = inp.read(65536)
        if not chunk:
            raise SystemExit("chromium closed the pipe")
        buf += chunk
    msg, _, buf = buf.partition(b"\0")
    return json.loads(msg)


def call(method, session=None, **params):
    next_id[0] += 1
    m = {"id": next_id[0], "method": method, "params": params}
    if session:
        m["sessionId"] = session
    out.write(json.dumps(m).encode() + b"\0")
    while True:
        r = recv()
        if r.get("id") == next_id[0]:
            if "error" in r:
                raise RuntimeError("%s: %s" % (method, r["error"]))
            return r["result"]
        events.append(r)


def wait_event(name):
    while True:
        for i, e in enumerate(events):
            if e.get("method") == name:
                del events[i]
                return e
        events.append(recv())


try:
    tid = call("Target.createTarget", url="about:blank")["targetId"]
    sid = call("Target.attachToTarget", targetId=tid, flatten=True)["sessionId"]
    call("Page.enable", sid)
    call("Emulation.setScriptExecutionDisabled", sid, value=True)
    # Proof that scripting is off: the parser builds <noscript>'s content
    # as elements only then (with scripting on it is one text node).
    call("Page.navigate", sid, url="data:text/html,<noscript><p id=ns></p></noscript>")
    wait_event("Page.loadEventFired")
    root = call("DOM.getDocument", sid, depth=-1)["root"]
    ns = call("DOM.querySelector", sid, nodeId=root["nodeId"], selector="#ns")["nodeId"]
    print("js: " + ("off" if ns else "on"), file=sys.stderr)
    call("Page.navigate", sid, url=url)
    wait_event("Page.loadEventFired")
    root = call("DOM.getDocument", sid, depth=-1)["root"]
    print(call("DOM.getOuterHTML", sid, nodeId=root["nodeId"])["outerHTML"])
    call("Browser.close")
finally:
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
