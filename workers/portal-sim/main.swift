print("portal-sim")
