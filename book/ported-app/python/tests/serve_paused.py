"""`python -m tests.serve_paused PORT MARKER`: the app under a real uvicorn, paused right
after each commit (the order id is written to MARKER), so that a test can SIGKILL it there."""

import sys
import time

import uvicorn

from app.main import Hooks, app, get_hooks


class PauseAfterCommit(Hooks):
    def after_commit(self, order_id: int) -> None:
        with open(sys.argv[2], "w") as marker:
            marker.write(str(order_id))
        time.sleep(60)


app.dependency_overrides[get_hooks] = PauseAfterCommit
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
