"""keras.applications models measured in TensorFlow 2.21 / Keras 3.15.1 with
weights=None: written by tests/layers/keras_applications.py, do not edit.

name: (family, default input size (None: any), params with include_top at 1,000
classes, classifier input width, params without the top, output channels without the top)
"""

from __future__ import annotations

# family: (how the output's height follows the input's, smallest input accepted)
FAMILIES: dict[str, tuple[str | None, int]] = {
    'resnet': ('ceil32', 75),
    'resnet_v2': ('ceil32', 75),
    'mobilenet': ('floor32', 75),
    'mobilenet_v2': ('ceil32', 75),
    'mobilenet_v3': ('ceil32', 75),
    'efficientnet': ('ceil32', 75),
    'efficientnet_v2': ('ceil32', 75),
    'vgg': ('floor32', 75),
    'inception_v3': ('inception', 75),
    'inception_resnet_v2': ('inception', 75),
    'xception': ('xception', 75),
    'densenet': ('floor32', 75),
    'convnext': ('floor32', 75),
    'nasnet': ('nasnet', 75),
}

APPLICATIONS: dict[str, tuple[str, int | None, int, int, int, int]] = {
    'ResNet50': ('resnet', 224, 25636712, 2048, 23587712, 2048),
    'ResNet101': ('resnet', 224, 44707176, 2048, 42658176, 2048),
    'ResNet152': ('resnet', 224, 60419944, 2048, 58370944, 2048),
    'ResNet50V2': ('resnet_v2', 224, 25613800, 2048, 23564800, 2048),
    'ResNet101V2': ('resnet_v2', 224, 44675560, 2048, 42626560, 2048),
    'ResNet152V2': ('resnet_v2', 224, 60380648, 2048, 58331648, 2048),
    'MobileNet': ('mobilenet', 224, 4253864, 1024, 3228864, 1024),
    'MobileNetV2': ('mobilenet_v2', 224, 3538984, 1280, 2257984, 1280),
    'MobileNetV3Small': ('mobilenet_v3', None, 2554968, 1024, 939120, 576),
    'MobileNetV3Large': ('mobilenet_v3', None, 5507432, 1280, 2996352, 960),
    'EfficientNetB0': ('efficientnet', 224, 5330571, 1280, 4049571, 1280),
    'EfficientNetB1': ('efficientnet', 240, 7856239, 1280, 6575239, 1280),
    'EfficientNetB2': ('efficientnet', 260, 9177569, 1408, 7768569, 1408),
    'EfficientNetB3': ('efficientnet', 300, 12320535, 1536, 10783535, 1536),
    'EfficientNetB4': ('efficientnet', 380, 19466823, 1792, 17673823, 1792),
    'EfficientNetB5': ('efficientnet', 456, 30562527, 2048, 28513527, 2048),
    'EfficientNetB6': ('efficientnet', 528, 43265143, 2304, 40960143, 2304),
    'EfficientNetB7': ('efficientnet', 600, 66658687, 2560, 64097687, 2560),
    'EfficientNetV2B0': ('efficientnet_v2', 224, 7200312, 1280, 5919312, 1280),
    'EfficientNetV2B1': ('efficientnet_v2', 240, 8212124, 1280, 6931124, 1280),
    'EfficientNetV2B2': ('efficientnet_v2', 260, 10178374, 1408, 8769374, 1408),
    'EfficientNetV2B3': ('efficientnet_v2', 300, 14467622, 1536, 12930622, 1536),
    'EfficientNetV2S': ('efficientnet_v2', 384, 21612360, 1280, 20331360, 1280),
    'EfficientNetV2M': ('efficientnet_v2', 480, 54431388, 1280, 53150388, 1280),
    'EfficientNetV2L': ('efficientnet_v2', 480, 119027848, 1280, 117746848, 1280),
    'VGG16': ('vgg', 224, 138357544, 4096, 14714688, 512),
    'VGG19': ('vgg', 224, 143667240, 4096, 20024384, 512),
    'InceptionV3': ('inception_v3', 299, 23851784, 2048, 21802784, 2048),
    'InceptionResNetV2': ('inception_resnet_v2', 299, 55873736, 1536, 54336736, 1536),
    'Xception': ('xception', 299, 22910480, 2048, 20861480, 2048),
    'DenseNet121': ('densenet', 224, 8062504, 1024, 7037504, 1024),
    'DenseNet169': ('densenet', 224, 14307880, 1664, 12642880, 1664),
    'DenseNet201': ('densenet', 224, 20242984, 1920, 18321984, 1920),
    'ConvNeXtTiny': ('convnext', 224, 28589128, 768, 27820128, 768),
    'ConvNeXtSmall': ('convnext', 224, 50223688, 768, 49454688, 768),
    'ConvNeXtBase': ('convnext', 224, 88591464, 1024, 87566464, 1024),
    'ConvNeXtLarge': ('convnext', 224, 197767336, 1536, 196230336, 1536),
    'ConvNeXtXLarge': ('convnext', 224, 350196968, 2048, 348147968, 2048),
    'NASNetMobile': ('nasnet', 224, 5326716, 1056, 4269716, 1056),
    'NASNetLarge': ('nasnet', 331, 88949818, 4032, 84916818, 4032),
}
