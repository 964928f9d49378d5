"""Level GANs: a conditional DCGAN-style generator trained with WGAN-GP.

- :mod:`~levelforge.gan.encoding`: levels <-> one-hot tensors on a power-of-two canvas;
- :mod:`~levelforge.gan.models`: the generator and critic networks;
- :mod:`~levelforge.gan.structure`: soft tile counts, the structure and feature terms;
- :mod:`~levelforge.gan.train`: :func:`train_gan` and :class:`GANConfig`;
- :mod:`~levelforge.gan.model`: :class:`LevelGAN`, a trained model that makes levels;
- :mod:`~levelforge.gan.model_file`: :func:`save_gan` / :func:`load_gan`;
- :mod:`~levelforge.gan.sampler`: :class:`GANGenerator`, the GAN as a level Generator.
"""

from .model import LevelGAN
from .model_file import GANFileError, load_gan, model_hash, save_gan
from .sampler import GANGenerator
from .train import GANConfig, GANTrainingError, train_gan

__all__ = ["GANConfig", "GANFileError", "GANGenerator", "GANTrainingError", "LevelGAN", "load_gan", "model_hash",
           "save_gan", "train_gan"]
