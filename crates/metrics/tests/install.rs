//! Installing the exporter process-wide (own test binary: one global recorder).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_metrics::exporter::{Exporter, ExporterConfig};
use tradewarden_metrics::handles::GuardrailMetrics;
use tradewarden_metrics::{MetricsError, Profile};

#[test]
fn install_once_serve_and_refuse_a_second_install() {
    let cfg = ExporterConfig {
        listen: Some("127.0.0.1:0".into()),
        profile: Profile::PlusUltra,
        ..ExporterConfig::default()
    };
    let exp = Exporter::install(&cfg).unwrap();
    let g = GuardrailMetrics::new(exp.catalog());
    g.violations(["gross_exposure_peak"]);
    g.set_enabled("service", true);

    let addr = exp.local_addr().unwrap();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    assert!(
        body.contains("# TYPE plus_ultra_guardrail_violations_total counter"),
        "{body}"
    );
    assert!(
        body.contains(r#"plus_ultra_guardrail_violations_total{name="gross_exposure_peak"} 1"#)
    );
    assert!(body.contains(r#"plus_ultra_guardrails_enabled{policy="service"} 1"#));
    assert!(body.contains("plus_ultra_guardrail_last_violation_count 1"));
    // help text from the catalog and build info
    assert!(body.contains("# HELP plus_ultra_guardrail_violations_total Guardrail violations"));
    assert!(body.contains("tradewarden_build_info{version="));
    assert!(
        exp.render()
            .unwrap()
            .contains("plus_ultra_guardrails_enabled")
    );

    let again = ExporterConfig {
        listen: None,
        ..ExporterConfig::default()
    };
    let e = Exporter::install(&again).unwrap_err();
    assert!(matches!(e, MetricsError::RecorderAlreadyInstalled), "{e}");
    assert_eq!(e.kind(), ErrorKind::State);
}
