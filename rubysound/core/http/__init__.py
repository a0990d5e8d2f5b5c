"""HTTP helpers shared by the apps' views: byte ranges of files on disk (``ranges``)."""
