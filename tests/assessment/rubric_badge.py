"""A rubric-style badge (incident postmortem) with genuine and gamed submissions, for tests."""

from __future__ import annotations

from assessment import Criterion, EvidenceItem, Segment

PROMPT = (
    "Incident Postmortem Practitioner. Write a blameless postmortem of a production incident "
    "you handled: what happened and when, why it happened, and what will stop it recurring."
)
CRITERIA = (
    Criterion(
        id="timeline",
        title="Timeline",
        description="Reconstructs what happened and when, from detection to full recovery.",
        levels=(
            "Exemplary: a timestamped sequence from first alert to recovery, with who did what.",
            "Developing: events listed without times or missing detection or recovery.",
        ),
        exemplars=(
            "At 09:12 the latency alert fired; at 09:20 the on-call engineer saw the connection "
            "pool exhausted; at 09:41 we rolled back the release and by 10:05 error rates were "
            "back to normal.",
        ),
    ),
    Criterion(
        id="root_cause",
        title="Root cause analysis",
        description="Explains the underlying technical and process causes, not just the trigger.",
        exemplars=(
            "The trigger was a deploy, but the root cause was a missing timeout on the payment "
            "client, which let slow requests hold database connections; our review checklist "
            "had no item for timeouts.",
        ),
    ),
    Criterion(
        id="actions",
        title="Preventive actions",
        description="Proposes specific preventive actions, each with an owner and a deadline.",
        exemplars=(
            "Add client timeouts (owner: Priya, by 1 March); add a connection-pool saturation "
            "alert (owner: Tom, next sprint); add timeouts to the code review checklist.",
        ),
    ),
)

GENUINE = (
    "On Tuesday at 14:03 our checkout API started returning 502 errors. The on-call engineer "
    "was paged at 14:05, found that the new cache cluster was refusing connections at 14:20, "
    "and we failed back to the old cluster at 14:32; errors stopped by 14:35. The root cause was "
    "a firewall rule that was applied to staging but never to production, and our migration "
    "runbook did not include a connectivity check. Actions: add a connectivity check to the "
    "runbook (owner: Ana, Friday) and manage firewall rules in Terraform (owner: Ben, end of month).",
    "Timeline: 02:10 disk usage alert on the primary database; 02:25 the on-call DBA confirmed "
    "WAL files filling the volume; 02:50 replication slot dropped and space recovered; 03:10 "
    "service fully healthy. Why: an abandoned replication slot kept WAL segments forever, and "
    "nobody monitored slot lag, so the slow leak went unnoticed for weeks. Preventive actions: "
    "alert on replication slot lag (owner: Kim, next week), weekly review of replication slots "
    "(owner: DBA team, starting Monday), document slot clean-up in the runbook (owner: Kim).",
    "Our mobile login failed for 40 minutes on 3 May. At 08:00 the identity provider rotated its "
    "signing keys; at 08:04 support tickets started; at 08:15 I noticed token validation errors "
    "in the logs; at 08:40 we deployed a fix that fetches keys dynamically. The trigger was the "
    "key rotation, but the underlying cause was that we had hard-coded the public key in our "
    "configuration and had no test for key rotation. We will load keys from the JWKS endpoint "
    "(owner: Sam, done), add a rotation test to CI (owner: Lee, by 20 May) and an alert on "
    "token validation failures (owner: Sam, by 15 May).",
    "Incident: nightly billing job double-charged 312 customers. Detection 06:30 when finance "
    "flagged duplicate invoices; 07:15 job disabled; 09:00 refunds issued; 11:00 customers "
    "emailed. Root cause: a retry after a network timeout re-ran the whole batch because the "
    "job was not idempotent, and the retry policy had been copied from a read-only job without "
    "review. Actions with owners: make the billing job idempotent with per-invoice keys (Raj, "
    "two weeks); require design review for retry policies on jobs with side effects (Mia, this "
    "quarter); add a duplicate-charge monitor (Raj, one week).",
    "At 16:45 on Friday search results went empty for all users. Monitoring caught the drop in "
    "click-through at 16:52 and paged me; by 17:10 I traced it to an index alias pointing at an "
    "empty index created by a failed reindex; at 17:18 I switched the alias back and results "
    "returned. The reindex script swapped the alias without checking the new index's document "
    "count, and there was no guard in the deployment pipeline. We will add a document-count "
    "check before alias swaps (owner: me, Wednesday) and block reindexing on Fridays without a "
    "second reviewer (owner: search lead, next sprint).",
    "The file upload service ran out of memory repeatedly between 10:20 and 11:05 on 12 June. "
    "10:20 first crash and automatic restart; 10:35 alert on restart loop; 10:50 we identified "
    "a 2 GB upload being read fully into memory; 11:05 we limited upload size at the proxy. "
    "The cause was streaming being disabled in a library upgrade, which our load tests did not "
    "catch because they only use small files. Actions: re-enable streaming and pin the library "
    "(owner: Omar, done), add large-file cases to load tests (owner: Eva, end of June), alert "
    "on restart loops within five minutes (owner: Omar, next week).",
)

OTHER_BADGE_PASSING = (
    "I built an interactive sales dashboard in Power BI for the regional managers. I cleaned "
    "three years of CRM exports, modelled them as a star schema with a date dimension, and "
    "designed pages for pipeline, win rate and forecast accuracy. After user testing with four "
    "managers I simplified the filters and added drill-through to account level; weekly usage "
    "went from zero to 35 managers within a month."
)
OFF_TOPIC = (
    "To make a good sourdough loaf, feed your starter the night before, mix flour and water and "
    "let it rest for an hour, then add salt and the starter. Stretch and fold the dough every "
    "half hour for two hours, shape it, and let it prove overnight in the fridge before baking "
    "in a very hot covered pot."
)


def badge_item(item_id: str, text: str, owner: str | None = None) -> EvidenceItem:
    """Return a submission to the postmortem badge."""
    return EvidenceItem(
        id=item_id,
        badge_id="postmortem",
        owner=owner or item_id,
        criteria=CRITERIA,
        segments=(Segment(text=text, source="statement"),) if text else (),
        prompt=PROMPT,
    )
