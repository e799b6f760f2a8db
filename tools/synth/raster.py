"""Offscreen OpenGL (OSMesa, software llvmpipe) renderer for one coloured mesh in a room.

Fixed-function GL 2.1 is enough: Gouraud-lit per-vertex colours, two
directional lights, a gradient backdrop and a tiled floor.  No pyrender: its
PyOpenGL 3.1.0 pin lacks ``OSMesaCreateContextAttribs`` and its networkx pin
drags pip into replacing torch.  Needs Debian's ``libosmesa6``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Self

os.environ["PYOPENGL_PLATFORM"] = "osmesa"
os.environ.setdefault("LP_NUM_THREADS", "1")  # llvmpipe: one core, the machine is shared

import numpy as np
from OpenGL import GL, osmesa


@dataclass(frozen=True)
class Lighting:
    """Key and fill lights (directions in world, toward the light), ambient level."""

    key_dir: tuple[float, float, float] = (0.4, -0.6, 0.8)
    key: float = 0.85
    fill_dir: tuple[float, float, float] = (-0.5, 0.5, 0.3)
    fill: float = 0.3
    ambient: float = 0.25


@dataclass(frozen=True)
class Room:
    """Backdrop gradient (top, bottom RGB 0-1) and two floor tile colours."""

    wall_top: tuple[float, float, float] = (0.75, 0.78, 0.8)
    wall_bottom: tuple[float, float, float] = (0.55, 0.57, 0.6)
    floor_a: tuple[float, float, float] = (0.42, 0.36, 0.3)
    floor_b: tuple[float, float, float] = (0.38, 0.32, 0.27)
    tile: float = 0.5


class Renderer:
    """One OSMesa context of a fixed size; ``draw`` returns RGB uint8 and metric depth."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        attrs = [
            osmesa.OSMESA_FORMAT, GL.GL_RGBA,
            osmesa.OSMESA_DEPTH_BITS, 24,
            osmesa.OSMESA_PROFILE, osmesa.OSMESA_COMPAT_PROFILE,
            0,
        ]
        self._ctx = osmesa.OSMesaCreateContextAttribs(attrs, None)
        if not self._ctx:
            raise RuntimeError("OSMesa context failed (is libosmesa6 installed?)")
        self._buf = (GL.GLubyte * (width * height * 4))()
        if not osmesa.OSMesaMakeCurrent(self._ctx, self._buf, GL.GL_UNSIGNED_BYTE, width, height):
            raise RuntimeError("OSMesaMakeCurrent failed")
        GL.glViewport(0, 0, width, height)

    def close(self) -> None:
        if self._ctx:
            osmesa.OSMesaDestroyContext(self._ctx)
            self._ctx = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def draw(
        self,
        vertices: np.ndarray,
        faces: np.ndarray,
        colors: np.ndarray,
        view: np.ndarray,
        projection: np.ndarray,
        lighting: Lighting,
        room: Room,
        extra: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = (),
    ) -> tuple[np.ndarray, np.ndarray]:
        """Render a mesh (V,3 world; F,3; V,3 colours 0-1) plus extra meshes; floor is z=0.

        Returns (H, W, 3) uint8 RGB and (H, W) camera-space depth in metres
        (inf where only the backdrop is seen).
        """
        GL.glClearColor(0.0, 0.0, 0.0, 1.0)
        GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
        self._backdrop(room)
        GL.glMatrixMode(GL.GL_PROJECTION)
        GL.glLoadMatrixd(projection.T.astype(np.float64))
        GL.glMatrixMode(GL.GL_MODELVIEW)
        GL.glLoadMatrixd(view.T.astype(np.float64))
        self._lights(lighting)
        GL.glEnable(GL.GL_DEPTH_TEST)
        self._floor(room, view)
        for v, f, c in [(vertices, faces, colors), *extra]:
            self._mesh(v, f, c)
        rgb, depth = self._read(projection)
        return rgb, depth

    # -- pieces -------------------------------------------------------------
    def _backdrop(self, room: Room) -> None:
        GL.glDisable(GL.GL_DEPTH_TEST)
        GL.glDisable(GL.GL_LIGHTING)
        GL.glMatrixMode(GL.GL_PROJECTION)
        GL.glLoadIdentity()
        GL.glMatrixMode(GL.GL_MODELVIEW)
        GL.glLoadIdentity()
        GL.glBegin(GL.GL_QUADS)
        GL.glColor3f(*room.wall_bottom)
        GL.glVertex3f(-1, -1, 0.999)
        GL.glVertex3f(1, -1, 0.999)
        GL.glColor3f(*room.wall_top)
        GL.glVertex3f(1, 1, 0.999)
        GL.glVertex3f(-1, 1, 0.999)
        GL.glEnd()

    def _lights(self, lighting: Lighting) -> None:
        GL.glEnable(GL.GL_LIGHTING)
        GL.glEnable(GL.GL_NORMALIZE)
        GL.glLightModelfv(GL.GL_LIGHT_MODEL_AMBIENT, (lighting.ambient,) * 3 + (1.0,))
        for light, direction, level in (
            (GL.GL_LIGHT0, lighting.key_dir, lighting.key),
            (GL.GL_LIGHT1, lighting.fill_dir, lighting.fill),
        ):
            GL.glEnable(light)
            GL.glLightfv(light, GL.GL_POSITION, tuple(direction) + (0.0,))  # directional, world frame
            GL.glLightfv(light, GL.GL_DIFFUSE, (level,) * 3 + (1.0,))
            GL.glLightfv(light, GL.GL_SPECULAR, (0.15 * level,) * 3 + (1.0,))
            GL.glLightfv(light, GL.GL_AMBIENT, (0.0, 0.0, 0.0, 1.0))
        GL.glEnable(GL.GL_COLOR_MATERIAL)
        GL.glColorMaterial(GL.GL_FRONT_AND_BACK, GL.GL_AMBIENT_AND_DIFFUSE)
        GL.glMaterialfv(GL.GL_FRONT_AND_BACK, GL.GL_SPECULAR, (0.3, 0.3, 0.3, 1.0))
        GL.glMaterialf(GL.GL_FRONT_AND_BACK, GL.GL_SHININESS, 20.0)
        GL.glLightModeli(GL.GL_LIGHT_MODEL_TWO_SIDE, GL.GL_TRUE)
        GL.glShadeModel(GL.GL_SMOOTH)

    def _floor(self, room: Room, view: np.ndarray) -> None:
        """A tiled floor around the camera's ground point, 12 m across."""
        eye = -view[:3, :3].T @ view[:3, 3]
        n, t = 24, room.tile
        x0 = np.floor(eye[0] / t) * t - n * t / 2
        y0 = np.floor(eye[1] / t) * t - n * t / 2
        GL.glBegin(GL.GL_QUADS)
        GL.glNormal3f(0.0, 0.0, 1.0)
        for i in range(n):
            for j in range(n):
                GL.glColor3f(*(room.floor_a if (i + j) % 2 == 0 else room.floor_b))
                x, y = x0 + i * t, y0 + j * t
                GL.glVertex3f(x, y, 0.0)
                GL.glVertex3f(x + t, y, 0.0)
                GL.glVertex3f(x + t, y + t, 0.0)
                GL.glVertex3f(x, y + t, 0.0)
        GL.glEnd()

    def _mesh(self, vertices: np.ndarray, faces: np.ndarray, colors: np.ndarray) -> None:
        v = np.ascontiguousarray(vertices, dtype=np.float32)
        n = np.ascontiguousarray(vertex_normals(vertices, faces), dtype=np.float32)
        c = np.ascontiguousarray(colors, dtype=np.float32)
        f = np.ascontiguousarray(faces, dtype=np.uint32)
        GL.glEnableClientState(GL.GL_VERTEX_ARRAY)
        GL.glEnableClientState(GL.GL_NORMAL_ARRAY)
        GL.glEnableClientState(GL.GL_COLOR_ARRAY)
        GL.glVertexPointer(3, GL.GL_FLOAT, 0, v)
        GL.glNormalPointer(GL.GL_FLOAT, 0, n)
        GL.glColorPointer(3, GL.GL_FLOAT, 0, c)
        GL.glDrawElements(GL.GL_TRIANGLES, f.size, GL.GL_UNSIGNED_INT, f)
        GL.glDisableClientState(GL.GL_VERTEX_ARRAY)
        GL.glDisableClientState(GL.GL_NORMAL_ARRAY)
        GL.glDisableClientState(GL.GL_COLOR_ARRAY)

    def _read(self, projection: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        GL.glFinish()
        w, h = self.width, self.height
        rgba = np.frombuffer(self._buf, dtype=np.uint8).reshape(h, w, 4)
        rgb = np.ascontiguousarray(rgba[::-1, :, :3])
        z = GL.glReadPixels(0, 0, w, h, GL.GL_DEPTH_COMPONENT, GL.GL_FLOAT)
        z = np.frombuffer(z, dtype=np.float32).reshape(h, w)[::-1]
        return rgb, linear_depth(z, projection)


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals (unnormalised; GL_NORMALIZE does the rest)."""
    tri = vertices[faces]
    fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    out = np.zeros_like(vertices)
    for k in range(3):
        for axis in range(3):
            out[:, axis] += np.bincount(faces[:, k], weights=fn[:, axis], minlength=len(vertices))
    return out


def linear_depth(z_buffer: np.ndarray, projection: np.ndarray) -> np.ndarray:
    """Window depth in [0, 1] to camera distance along the view axis (metres)."""
    a, b = projection[2, 2], projection[2, 3]
    ndc = z_buffer.astype(np.float64) * 2.0 - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        depth = b / (ndc + a)
    depth[z_buffer >= 0.99999] = np.inf
    return depth
