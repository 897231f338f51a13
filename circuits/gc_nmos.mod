* n-channel model card for the gain cells: ngspice's built-in BSIM4 (level=54, version 4.8.2) with all
* parameters at their BSIM4 defaults (as measured in devices.md §3.3). This is NOT a foundry PDK card:
* it gives a generic ~100 nm-class device with subthreshold leakage, which is what retention needs
* (level 1 has no subthreshold conduction and holds charge forever). Measured with W/L = 0.2u/0.1u and
* C_SN = 1 fF: half the stored 0.75 V is lost after ~96 us (devices.md §3.3).
* Validity: 0..1.3 V terminal voltages, 27 C. Replace by a PDK card (same name gc_nmos) for real studies.
.model gc_nmos nmos level=54 version=4.8.2
