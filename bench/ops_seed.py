"""Grows a Frameproof database made through the API into the operations benchmark's size.

The benchmark makes one campaign through the API (a workflow applied, one deliverable, its
runs); this script copies it, row by row, into CAMPAIGNS campaigns of DELIVERABLES deliverables
each, every deliverable with RUNS stage runs (all but the last ended, each with its seats), so
the rows have exactly the shape the server writes. The person with `ME` (a user id) sits on the
open run of every `EVERY`-th deliverable; every `LATE`-th open run is past due.

Usage: python3 ops_seed.py DB CAMPAIGNS DELIVERABLES RUNS ME_USER_HEX REVIEWERS_HEX,... NOW_MS
"""

import sqlite3
import sys
import uuid

db, campaigns, per, runs_each, me, reviewers, now = sys.argv[1:8]
campaigns, per, runs_each, now = int(campaigns), int(per), int(runs_each), int(now)
me = bytes.fromhex(me)
reviewers = [bytes.fromhex(r) for r in reviewers.split(",")]
EVERY, LATE = 100, 10
DAY = 86_400_000

con = sqlite3.connect(db)
con.row_factory = sqlite3.Row


def one(sql, *a):
    return con.execute(sql, a).fetchone()


def insert(table, row):
    cols = list(row.keys())
    con.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
        [row[c] for c in cols],
    )


def new_id():
    return uuid.uuid4().bytes


tpl = one("SELECT * FROM projects WHERE owner_id IS NOT NULL AND workflow_applied_at IS NOT NULL")
root = one("SELECT * FROM folders WHERE id = ?", tpl["root_folder_id"])
stages = con.execute("SELECT * FROM campaign_stages WHERE project_id = ? ORDER BY position", (tpl["id"],)).fetchall()
asset = one("SELECT * FROM assets WHERE project_id = ? AND deleted_at IS NULL ORDER BY created_at LIMIT 1", tpl["id"])
deliv = one("SELECT * FROM deliverables WHERE asset_id = ?", asset["id"])
run = one("SELECT * FROM stage_runs WHERE asset_id = ? ORDER BY seq LIMIT 1", asset["id"])
seat_cols = [r[1] for r in con.execute("PRAGMA table_info(stage_run_reviewers)")]
review_stages = [i for i, s in enumerate(stages) if s["kind"] in ("review", "approval")]

con.execute("BEGIN")
made_runs = 0
for c in range(campaigns):
    if c == 0:
        pid, folder, stage_ids = tpl["id"], root["id"], [s["id"] for s in stages]
    else:
        pid, folder = new_id(), new_id()
        name = f"Campaign {c:03d}"
        insert("projects", {**dict(tpl), "id": pid, "name": name, "name_key": name.lower(), "root_folder_id": folder})
        insert("folders", {**dict(root), "id": folder, "project_id": pid})
        stage_ids = []
        for s in stages:
            sid = new_id()
            stage_ids.append(sid)
            insert("campaign_stages", {**dict(s), "id": sid, "project_id": pid})
    for d in range(per):
        n = c * per + d
        aid = new_id()
        name = f"Deliverable {n:05d}"
        insert("assets", {**dict(asset), "id": aid, "project_id": pid, "folder_id": folder, "name": name, "name_key": name.lower()})
        open_stage = stage_ids[review_stages[n % len(review_stages)]]
        insert("deliverables", {**dict(deliv), "asset_id": aid, "project_id": pid, "stage_id": open_stage})
        t = now - runs_each * DAY
        for k in range(runs_each):
            last = k == runs_each - 1
            rid = new_id()
            sid = open_stage if last else stage_ids[review_stages[k % len(review_stages)]]
            due = (now - DAY if n % LATE == 0 else now + 2 * DAY) if last else t + DAY
            insert("stage_runs", {
                **dict(run), "id": rid, "asset_id": aid, "project_id": pid, "stage_id": sid, "seq": k + 1,
                "round": k // len(review_stages) + 1, "version_id": None, "entered_at": t, "due_at": due,
                "exited_at": None if last else t + DAY // 2, "outcome": None if last else "passed",
                "reason": None, "ended_by": None, "overdue_at": None, "clock_done_at": None if last else t + DAY // 2,
                "due_soon_at": None, "reminded_soon_at": t, "reminded_due_at": t, "owner_told_at": t,
            })
            made_runs += 1
            people = [reviewers[n % len(reviewers)]]
            if last and n % EVERY == 0:
                people.append(me)
            elif last:
                people.append(reviewers[(n + 1) % len(reviewers)])
            for s, u in enumerate(people):
                seat = {c2: None for c2 in seat_cols}
                seat.update({
                    "run_id": rid, "seat": s, "user_id": u, "name": f"Reviewer {u.hex()[:6]}", "asked_at": t,
                    "asked_mail_at": t, "first_seen_at": None if last else t + 3_600_000,
                    "decided_at": None if last else t + 7_200_000, "decision": None if last else "approved",
                    "decided_by": None if last else "reviewer",
                })
                insert("stage_run_reviewers", seat)
            t += DAY
con.execute("COMMIT")
con.execute("ANALYZE")
print(f"campaigns {campaigns}, deliverables {campaigns * per}, stage runs {made_runs}")
