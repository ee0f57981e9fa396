default_scope = 'mmdet'
randomness = dict(seed=None)
train_dataloader = dict(batch_size=2, num_workers=2)
resume = False
