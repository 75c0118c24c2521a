"""Credit profiles: :mod:`gateway.profile.credit` computes (pure), :mod:`gateway.profile.load` reads the database."""
