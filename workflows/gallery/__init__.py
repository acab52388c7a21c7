"""The templates gallery: ready-made workflows with the agents, tools and knowledge they need."""
