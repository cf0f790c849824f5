print("wgctl")
