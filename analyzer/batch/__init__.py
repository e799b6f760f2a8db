"""Batch analysis of a whole clip library, on this machine or a Ray cluster (``formcheck batch``).

* :mod:`.sources`  which clips SOURCE names (a folder, a list file, a glob);
* :mod:`.journal`  what is done or failed, by content hash, so a rerun or a crashed batch resumes;
* :mod:`.sinks`    where results go: report folders (``analyze``'s layout) or the trainer library;
* :mod:`.tasks`    the work one actor does: a whole clip, or one time chunk of a long clip;
* :mod:`.cluster`  Ray: the actors (one a core), handing out tasks, replacing a worker that died;
* :mod:`.runner`   the batch itself: skip, plan, dispatch, store, summarise.

Ray is an optional extra (``formcheck[scale]``): only :mod:`.cluster` imports it, on first use.
"""
