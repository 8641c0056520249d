# man/: man pages (scdoc sources, generated roff shipped in the tarball).
