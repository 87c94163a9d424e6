//! Just enough Kubernetes protobuf to read the review requests kubectl
//! posts as `application/vnd.kubernetes.protobuf` (it does for built-in
//! types): the `k8s\0` envelope (runtime.Unknown) and the spec fields of
//! SelfSubjectAccessReview and SelfSubjectRulesReview, turned into the JSON
//! shape the review code reads. Answers are always JSON (kubectl accepts it).

use serde_json::{Value, json};

/// The magic prefix of Kubernetes' protobuf encoding.
const MAGIC: &[u8] = b"k8s\0";

/// One decoded field: number and value (varints and fixed-size values are
/// skipped; only strings and messages matter here).
type Field<'a> = (u64, &'a [u8]);

/// Decode a review body in protobuf into its JSON form (apiVersion, kind,
/// spec); None when it is not valid protobuf of a known review.
pub fn review_to_json(body: &[u8]) -> Option<Value> {
    let unknown = fields(body.strip_prefix(MAGIC)?)?;
    let type_meta = fields(get(&unknown, 1)?)?;
    let api_version = text(&type_meta, 1);
    let kind = text(&type_meta, 2);
    let object = fields(get(&unknown, 2)?)?;
    let spec = fields(get(&object, 2).unwrap_or(&[]))?;
    let spec_json = match kind.as_str() {
        "SelfSubjectAccessReview" => access_spec(&spec)?,
        "SelfSubjectRulesReview" => json!({"namespace": text(&spec, 1)}),
        _ => return None,
    };
    Some(json!({"apiVersion": api_version, "kind": kind, "spec": spec_json}))
}

fn access_spec(spec: &[Field<'_>]) -> Option<Value> {
    let mut out = json!({});
    if let Some(raw) = get(spec, 1) {
        let r = fields(raw)?;
        let names = [
            "namespace",
            "verb",
            "group",
            "version",
            "resource",
            "subresource",
            "name",
        ];
        let mut attrs = json!({});
        for (i, name) in names.iter().enumerate() {
            let value = text(&r, i as u64 + 1);
            if !value.is_empty() {
                attrs[*name] = json!(value);
            }
        }
        out["resourceAttributes"] = attrs;
    }
    if let Some(raw) = get(spec, 2) {
        let n = fields(raw)?;
        out["nonResourceAttributes"] = json!({"path": text(&n, 1), "verb": text(&n, 2)});
    }
    Some(out)
}

fn get<'a>(fields: &[Field<'a>], number: u64) -> Option<&'a [u8]> {
    fields.iter().find(|(n, _)| *n == number).map(|(_, v)| *v)
}

fn text(fields: &[Field<'_>], number: u64) -> String {
    get(fields, number)
        .and_then(|v| std::str::from_utf8(v).ok())
        .unwrap_or("")
        .to_string()
}

/// The length-delimited fields of a message; None when it is malformed.
fn fields(mut buf: &[u8]) -> Option<Vec<Field<'_>>> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        let (number, wire) = (key >> 3, key & 7);
        match wire {
            0 => {
                varint(&mut buf)?;
            }
            1 => buf = buf.get(8..)?,
            5 => buf = buf.get(4..)?,
            2 => {
                let len = usize::try_from(varint(&mut buf)?).ok()?;
                let value = buf.get(..len)?;
                buf = &buf[len..];
                out.push((number, value));
            }
            _ => return None,
        }
    }
    Some(out)
}

fn varint(buf: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = buf.split_first()?;
        *buf = rest;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ld(number: u8, value: &[u8]) -> Vec<u8> {
        let mut v = vec![(number << 3) | 2, value.len() as u8];
        v.extend_from_slice(value);
        v
    }

    #[test]
    fn access_review_envelope_decodes() {
        let attrs = [ld(1, b"dev"), ld(2, b"list"), ld(5, b"secrets")].concat();
        let spec = ld(1, &attrs);
        let object = [ld(1, b""), ld(2, &spec), ld(3, b"")].concat();
        let type_meta = [
            ld(1, b"authorization.k8s.io/v1"),
            ld(2, b"SelfSubjectAccessReview"),
        ]
        .concat();
        let body = [MAGIC.to_vec(), ld(1, &type_meta), ld(2, &object)].concat();
        let v = review_to_json(&body).unwrap();
        assert_eq!(
            v["spec"]["resourceAttributes"],
            json!({"namespace": "dev", "verb": "list", "resource": "secrets"})
        );
        assert_eq!(v["kind"], "SelfSubjectAccessReview");
    }

    #[test]
    fn malformed_input_is_refused() {
        let cases: [(&str, &[u8]); 3] = [
            ("no_magic", b"{}"),
            ("truncated_field", b"k8s\0\x0a\x05ab"),
            ("bad_wire_type", b"k8s\0\x0f"),
        ];
        for (name, body) in cases {
            assert_eq!(review_to_json(body), None, "{name}");
        }
    }
}
