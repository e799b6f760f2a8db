"""Synthetic athletes: rendered exercise clips with exactly known form errors.

A parametric body (NAVER's Anny, built on MakeHuman) is posed from keyframed
joint angles, bent by known degrees at the spine, pelvis and hips, rendered
offscreen and written as H.264 plus a ground-truth JSON.  The heavy
dependencies (torch, anny, PyOpenGL with OSMesa) live in the optional
``synth`` extra listed in ``tools/synth/requirements.txt``; nothing in the app
or its tests imports this package.
"""

# 1.2: the issue-20 exercises; truth files gain reps[].phases_s and error_units (speed faults)
GENERATOR_VERSION = "1.2"
