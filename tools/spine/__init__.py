"""Training the spine estimator (analyzer/pose/spine.py) on rendered athletes (tools/synth).

``python -m tools.spine.train --data /work/spine_data`` renders the clips,
runs formcheck's pose model over them, fits the net and writes
``analyzer/pose/models/spine_net.npz``; the data never goes into the repo.
Needs the ``synth`` environment (tools/synth/README.md).
"""
