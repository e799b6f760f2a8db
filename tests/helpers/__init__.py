"""Shared test helpers (not tests; no test module imports another):

* ``paths``: the repository and the shared real clips (``CLIPS``, ``FORMCHECK_CLIPS``), ``shared_clip``;
* ``skeleton``: the kinematic skeleton, pose tracks with exact ground truth;
* ``judging``: judge a synthetic track, and the mask channels a video would add;
* ``media``: synthetic videos, image folders and other tools' track CSVs;
* ``plank_clip``: the sagging plank the annotated-video and report tests draw;
* ``fake_library``: fake clips and the pose model's stand-in for the library and app tests.
"""
