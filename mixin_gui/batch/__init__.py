"""Catalogues: one file's separation into stem files (:mod:`.job`), folders to work items
(:mod:`.folders`), the manifest of what is done and what failed (:mod:`.manifest`), and the
runners: in-process (:mod:`.local`) and on a Dask cluster (:mod:`.cluster`, the only module
that imports ``dask.distributed``)."""
