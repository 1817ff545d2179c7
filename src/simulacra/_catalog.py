"""What each model declares, for code that must not import the models (the command
line's help, `registry.able_to`): generated from their `Param`s and `tags` by
`python -m simulacra.cli.catalog`; do not edit."""

# kind -> model -> its tags
TAGS: dict[str, dict[str, tuple[str, ...]]] = {
    "table": {
        "copula": ("conditions", "impute", "summaries"),
        "ctgan": ("conditions", "dp", "streams", "gpu"),
        "tvae": ("conditions", "dp", "streams", "gpu"),
        "autoregressive": ("conditions", "impute", "dp", "streams", "gpu", "sequences"),
        "ddpm": ("conditions", "impute", "streams", "gpu"),
        "mst": ("conditions", "dp"),
        "ensemble": ("conditions",),
    },
    "images": {
        "vae": ("conditions", "gpu"),
        "convvae": ("conditions", "gpu"),
        "gan": ("conditions", "gpu"),
        "diffusion": ("conditions", "gpu"),
    },
    "upscaler": {
        "upscaler": (),
    },
}
# kind -> parameter -> the help of an option that sets it: its meaning and defaults
OPTION_HELP: dict[str, dict[str, str]] = {
    "table": {
        "seed": "Seed of every random stream of the model (default 0).",
        "verbose": "Show progress bars (default True).",
        "max_categories": (
            "A column's most frequent categories kept apart; the rest share one (default 1000)."
        ),
        "min_count": (
            "Categories seen in fewer rows are pooled, never stored or emitted (default 5)."
        ),
        "rules": (
            "Rules every sampled row keeps, beside the metadata's: 'start <= end', 'total = price *"
            " quantity', 'fixed: city, zip', 'a in 0..100', 'if a = x then b = y' (default None: "
            "the metadata's only)."
        ),
        "marginals": (
            "Each number's marginal: empirical quantiles or the best parametric family (copula "
            "only, default 'empirical')."
        ),
        "epochs": (
            "Training passes over the data (default: ctgan, tvae 300; autoregressive None: 300, 20 "
            "with DP; ddpm 200; copula, mst, ensemble have none)."
        ),
        "batch_size": (
            "Rows in a training step (default: ctgan, tvae 500; autoregressive None: 500, 1000 with"
            " DP; ddpm 512; copula, mst, ensemble have none)."
        ),
        "learning_rate": (
            "Step size of the optimiser (Adam) (default: ctgan 0.0002; tvae 0.001; autoregressive "
            "None: 0.002, 0.01 with DP; ddpm 0.002; copula, mst, ensemble have none)."
        ),
        "weight_decay": (
            "Adam's weight decay (default: ctgan, autoregressive 1e-06; tvae 1e-05; ddpm 0.0; "
            "copula, mst, ensemble have none)."
        ),
        "device": (
            "Torch device: auto (CUDA if present), cpu, cuda[:k] (default: ctgan, tvae, "
            "autoregressive, ddpm 'auto'; copula, mst, ensemble have none)."
        ),
        "threads": (
            "CPU threads for torch (default: ctgan, tvae, autoregressive, ddpm None: 1; copula, "
            "mst, ensemble have none)."
        ),
        "time_budget": (
            "Seconds a fit may take: training stops after the epoch the next would not fit in "
            "(None: no limit; the epochs reached then depend on the machine's speed) (default: "
            "ctgan, tvae, autoregressive, ddpm, ensemble None; copula, mst have none)."
        ),
        "precision": (
            "Precision of training (and of the autoregressive model's sampling): auto (bfloat16 "
            "where fast), float32 or bfloat16 (default: ctgan, tvae, autoregressive, ddpm 'auto'; "
            "copula, mst, ensemble have none)."
        ),
        "epsilon": (
            "DP budget, smaller is more private (default: ctgan, tvae, autoregressive None: no DP; "
            "mst 1.0; copula, ddpm, ensemble have none)."
        ),
        "delta": (
            "DP delta, with epsilon (default: ctgan, tvae, autoregressive, mst None: 1e-08, fixed; "
            "copula, ddpm, ensemble have none)."
        ),
        "metadata_share": (
            "Share of the DP budget spent on the transforms (default: ctgan, tvae, autoregressive, "
            "mst 0.2; copula, ddpm, ensemble have none)."
        ),
        "infer_schema": (
            "With epsilon, no metadata: publish the kinds, dtypes, formats read off the rows "
            "(default: ctgan, tvae, autoregressive, mst False; copula, ddpm, ensemble have none)."
        ),
        "embedding_dim": (
            "Size of the generator's noise (default: ctgan, tvae 128; copula, autoregressive, ddpm,"
            " mst, ensemble have none)."
        ),
        "generator_dims": (
            "Widths of the generator's residual blocks (ctgan only, default (256, 256))."
        ),
        "discriminator_dims": (
            "Widths of the discriminator's layers (ctgan only, default (256, 256))."
        ),
        "pac": "Rows the discriminator judges together (ctgan only, default 10).",
        "discriminator_steps": "Discriminator steps per generator step (ctgan only, default 1).",
        "max_grad_norm": (
            "DP-SGD: each row's gradient clipped to this norm (default: ctgan, tvae, autoregressive"
            " 1.0; copula, ddpm, mst, ensemble have none)."
        ),
        "encoder_dims": "Widths of the encoder's layers (tvae only, default (128, 128)).",
        "decoder_dims": "Widths of the decoder's layers (tvae only, default (128, 128)).",
        "loss_factor": "Weight of the reconstruction loss beside KL (tvae only, default 2.0).",
        "sequence_key": (
            "Column naming each row's entity: an entity's rows are one sequence (autoregressive "
            "only, default None: rows are independent)."
        ),
        "sequence_index": (
            "Column ordering an entity's rows (numbers, dates or datetimes) (autoregressive only, "
            "default None: no sequences)."
        ),
        "hidden_dims": (
            "Widths of the network's layers (default: autoregressive None: (512, 256), (128, 128) "
            "with DP; ddpm (256, 256, 256); copula, ctgan, tvae, mst, ensemble have none)."
        ),
        "dropout": "Dropout after each hidden layer (autoregressive only, default 0.0).",
        "bins": (
            "Bins per number (default: autoregressive None: 64, 16 with DP; mst 16; copula, ctgan, "
            "tvae, ddpm, ensemble have none)."
        ),
        "temperature": (
            "Divides the logits: below 1 more typical rows, above more varied (autoregressive only,"
            " default 1.0)."
        ),
        "validation": (
            "Share of rows held out to stop training early (default: autoregressive 0.1; ensemble "
            "0.2; copula, ctgan, tvae, ddpm, mst have none)."
        ),
        "patience": (
            "Epochs without a better held-out loss before stopping (autoregressive only, default "
            "10)."
        ),
        "diffusion_steps": "Noise levels the network is trained on (ddpm only, default 1000).",
        "sampling_steps": "Denoising steps of a sample (ddpm only, default 20).",
        "sampler": (
            "Steps of the numbers: DPM-Solver++(2M) (second order, deterministic) or DDIM (ddpm "
            "only, default 'dpm')."
        ),
        "eta": (
            "DDIM noise (sampler ddim): 0 deterministic steps, 1 ancestral (DDPM) (ddpm only, "
            "default 0.0)."
        ),
        "inpainting": (
            "Known cells shown clean (trained for) or re-noised at each step (RePaint) (ddpm only, "
            "default 'clean')."
        ),
        "ema_decay": "Decay of the moving average of the weights (ddpm only, default 0.999).",
        "members": (
            "Registered table models whose samples are pooled (each at its defaults) (ensemble "
            "only, default ('autoregressive', 'ddpm', 'copula'))."
        ),
        "member_params": (
            "Parameters of each member, by the member's name (ensemble only, default None: each "
            "member at its defaults, but {'ddpm': {'sampling_steps': 10}})."
        ),
        "pool": "Rows drawn from the members per row kept (ensemble only, default 5).",
        "sharpness": (
            "Exponent on the discriminator's density ratio (0: a plain mixture) (ensemble only, "
            "default 1.0)."
        ),
    },
    "images": {
        "seed": "Seed of every random stream of the model (default 0).",
        "verbose": "Show progress bars (default True).",
        "epochs": "Training passes over the data (default: vae 50; convvae, gan 30; diffusion 40).",
        "batch_size": "Images in a training step (default None: 128, fewer on small sets).",
        "learning_rate": (
            "Step size of the optimiser (Adam) (default: vae, convvae, diffusion 0.001; gan "
            "0.0002)."
        ),
        "latent_dim": "Size of the latent code (default: vae, convvae, gan 20; diffusion 128).",
        "conditional": "Learn p(image | class), to sample a class asked for (default False).",
        "device": "Torch device: auto (CUDA if present), cpu, cuda[:k] (default 'auto').",
        "threads": "CPU threads for torch (default None: 1).",
        "step_size": (
            "Epochs between learning-rate cuts (StepLR) (default: vae, convvae 10; gan, diffusion "
            "have none)."
        ),
        "gamma": (
            "Factor of each learning-rate cut (default: vae, convvae 0.5; gan, diffusion have "
            "none)."
        ),
        "hidden": "Widths of the encoder's layers (mirrored) (vae only, default (512, 256, 128)).",
        "n_generators": (
            "Generators sharing one discriminator (against collapse) (gan only, default 1)."
        ),
        "width": "The U-Net's channels at full resolution (diffusion only, default 32).",
        "timesteps": "Noise levels of training (diffusion only, default 1000).",
        "sampling_steps": "DDIM steps of a sample (diffusion only, default 50).",
        "guidance": (
            "Classifier-free guidance (1: the plain conditional model) (diffusion only, default "
            "1.5)."
        ),
        "class_dropout": (
            "Share of training images shown without their class (diffusion only, default 0.1)."
        ),
        "ema": "Decay of the moving average of the weights (diffusion only, default 0.999).",
        "guidance_interval": (
            "Noise levels (low, high] where guidance applies (diffusion only, default (0.28, "
            "5.42))."
        ),
    },
    "upscaler": {
        "scale": "Enlargement, 2 or 4 (default 4).",
        "features": "Channels of the residual blocks (default 32).",
        "blocks": "Residual blocks (default 4).",
        "steps": "Training steps, each on a batch of crops (default 1000).",
        "batch_size": "Crops in a training step (default 16).",
        "patch": "Side of the high-resolution crops (a multiple of scale) (default 32).",
        "learning_rate": "Step size of the optimiser (Adam) (default 0.001).",
        "validation": "Share of images that choose the weights kept (default 0.1).",
        "checks": "Times the held-out error is measured (default 10).",
        "threads": "CPU threads for torch (default None: 1).",
        "seed": "Seed of every random stream of the model (default 0).",
        "verbose": "Show progress bars (default True).",
    },
}
