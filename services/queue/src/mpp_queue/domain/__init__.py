"""The queue's rules, pure and without I/O (DOMAIN.md, Queue):

* :mod:`.priority` — priority classes and the call order;
* :mod:`.ticket_numbering` — ``A-001``, restarting every local day;
* :mod:`.lifecycle` — states, allowed steps and why a step is refused; the recall limit;
* :mod:`.issuing` — daily quotas per channel, contact kept only with consent;
* :mod:`.wait_estimate` — the estimated wait;
* :mod:`.closing` — when a waiting ticket is past closing;
* :mod:`.kpis` — waiting and service time, no-show rate, service level, estimate accuracy;
* :mod:`.announcement` — what the board says aloud.
"""
