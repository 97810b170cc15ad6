//! Devices: the flex CPU device and, with the `wgpu` feature, a GPU device
//! whose absence is a typed error.
//!
//! burn 0.22 picks the backend from the [`Device`] a tensor lives on. This
//! crate never calls `Device::default()` (it chooses by compiled-in feature
//! priority and panics when nothing fits): every model constructor and loader
//! takes the device explicitly.

#[cfg(feature = "wgpu")]
use std::sync::Mutex;

use burn::tensor::Device;

use crate::error::{InferenceError, Result};

/// The flex (pure-Rust CPU) device, the CPU default of tradewarden.
pub fn cpu_device() -> Device {
    Device::flex()
}

/// Whether this build has the `wgpu` feature (burn's wgpu backend).
pub const fn wgpu_enabled() -> bool {
    cfg!(feature = "wgpu")
}

#[cfg(feature = "wgpu")]
static WGPU: Mutex<Option<Device>> = Mutex::new(None);

/// The default wgpu device (the adapter wgpu prefers: a discrete GPU first,
/// a software Vulkan driver such as Mesa's llvmpipe if nothing else is there),
/// initialised once per process through burn's fallible initialisation and
/// then reused (burn's wgpu runtime cannot be initialised twice).
///
/// ```
/// use tradewarden_inference::device::wgpu_device;
/// match wgpu_device() {
///     Ok(dev) => println!("GPU device: {dev:?}"),
///     // no `wgpu` feature, no adapter, or the driver refused: a typed error
///     Err(e) => println!("no GPU: {e}"),
/// }
/// ```
///
/// # Errors
/// [`InferenceError::DeviceUnavailable`] (kind `Unsupported`) when the build
/// has no `wgpu` feature, when no adapter is found (no GPU and no software
/// Vulkan driver) or when the adapter refuses to create a device. A failed
/// attempt is not cached: a later call tries again.
pub fn wgpu_device() -> Result<Device> {
    #[cfg(feature = "wgpu")]
    {
        // A poisoned lock only means another thread panicked while holding
        // it; the cached value (if any) is still a valid device.
        let mut slot = WGPU.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(dev) = slot.as_ref() {
            return Ok(dev.clone());
        }
        let init = std::panic::catch_unwind(|| Device::wgpu_options().init());
        let dev = match init {
            Ok(Ok(dev)) => dev,
            Ok(Err(e)) => {
                return Err(InferenceError::DeviceUnavailable {
                    backend: "wgpu",
                    reason: e.to_string(),
                });
            }
            Err(_) => {
                return Err(InferenceError::DeviceUnavailable {
                    backend: "wgpu",
                    reason: "the wgpu runtime panicked during initialisation".into(),
                });
            }
        };
        *slot = Some(dev.clone());
        Ok(dev)
    }
    #[cfg(not(feature = "wgpu"))]
    {
        Err(InferenceError::DeviceUnavailable {
            backend: "wgpu",
            reason: "this build of tradewarden-inference has no `wgpu` feature".into(),
        })
    }
}

/// A short name of the backend behind `device`: `"flex"`, `"wgpu"` or
/// `"other"`.
pub fn backend_name(device: &Device) -> &'static str {
    let d = format!("{device:?}").to_ascii_lowercase();
    if d.contains("flex") {
        "flex"
    } else if d.contains("wgpu") {
        "wgpu"
    } else {
        "other"
    }
}
