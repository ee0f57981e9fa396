# The base config of scripts/gpu-check's mmdet launch: the keys the mmdet trainer's derived config sets.
default_scope = 'mmdet'
model = dict(type='FasterRCNN', backbone=dict(type='ResNet', depth=50, init_cfg=None))
randomness = dict(seed=None)
train_dataloader = dict(batch_size=2, num_workers=2)
resume = False
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001))
