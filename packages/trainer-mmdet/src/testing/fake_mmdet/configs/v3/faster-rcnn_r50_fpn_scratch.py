# A config that trains its backbone from scratch: the backbone's init_cfg is None (a non-dict in the base).
_base_ = './faster-rcnn_r50_fpn_1x_coco.py'
model = dict(backbone=dict(init_cfg=None))
