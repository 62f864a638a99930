//! SEB settings as a property list (Apple's XML plist, the body of every `.seb` file): read into a
//! [`Value`] that keeps the file's order and every value's type, and written back as XML.
//!
//! A hand-written reader over quick-xml rather than a plist crate: the Config Key needs the exact
//! types (a `<data>` is base64 in SEB-JSON, a `<date>` its ISO text, an `<integer>` its digits),
//! the reader must stay bounded on hostile input (a board uploads the file; the fuzz targets feed
//! it garbage), and the subset SEB writes is small.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::Error;

/// Nesting deeper than this is refused (SEB's own settings nest four levels).
const MAX_DEPTH: usize = 64;

/// One plist value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A `<dict>`: its keys in the file's order (SEB-JSON sorts them, the file need not).
    Dict(Dict),
    Array(Vec<Value>),
    String(String),
    Integer(i64),
    Real(f64),
    Bool(bool),
    Data(Vec<u8>),
    /// A `<date>`, kept as its ISO 8601 text.
    Date(String),
}

/// A `<dict>`'s entries in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dict(pub Vec<(String, Value)>);

impl Dict {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`, replacing an entry of that name in place or appending a new one.
    pub fn insert(&mut self, key: &str, value: Value) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key.to_string(), value)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// The simplified event stream the parser reads: element starts, ends and text.
enum Token {
    Start(String),
    End,
    Text(String),
}

struct Tokens<'a> {
    reader: Reader<&'a [u8]>,
    peeked: Option<Token>,
}

impl<'a> Tokens<'a> {
    fn new(xml: &'a [u8]) -> Self {
        let mut reader = Reader::from_reader(xml);
        reader.config_mut().expand_empty_elements = true;
        Self { reader, peeked: None }
    }

    fn next(&mut self) -> Result<Option<Token>, Error> {
        if let Some(t) = self.peeked.take() {
            return Ok(Some(t));
        }
        let mut text = String::new();
        loop {
            let ev = self.reader.read_event().map_err(|e| Error::Plist(format!("XML: {e}")))?;
            let token = match ev {
                Event::Start(s) => {
                    Some(Token::Start(String::from_utf8_lossy(s.name().as_ref()).into_owned()))
                }
                Event::End(_) => Some(Token::End),
                Event::Text(t) => {
                    text.push_str(&t.xml_content().map_err(|e| Error::Plist(format!("text: {e}")))?);
                    None
                }
                Event::CData(c) => {
                    text.push_str(&c.decode().map_err(|e| Error::Plist(format!("CDATA: {e}")))?);
                    None
                }
                Event::GeneralRef(r) => {
                    text.push(resolve_ref(&r)?);
                    None
                }
                Event::Eof => {
                    if text.is_empty() {
                        return Ok(None);
                    }
                    return Ok(Some(Token::Text(text)));
                }
                Event::Empty(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) | Event::Comment(_) => {
                    None
                }
            };
            if let Some(token) = token {
                if text.is_empty() {
                    return Ok(Some(token));
                }
                self.peeked = Some(token);
                return Ok(Some(Token::Text(text)));
            }
        }
    }

    /// The next start or end, skipping whitespace between elements.
    fn next_tag(&mut self) -> Result<Option<Token>, Error> {
        loop {
            match self.next()? {
                Some(Token::Text(t)) if t.trim().is_empty() => continue,
                Some(Token::Text(t)) => {
                    return Err(Error::Plist(format!("text outside a value: {}", excerpt(&t))));
                }
                other => return Ok(other),
            }
        }
    }

    /// The text up to the current element's end (an element with children is refused).
    fn text_until_end(&mut self) -> Result<String, Error> {
        let mut out = String::new();
        loop {
            match self.next()? {
                Some(Token::Text(t)) => out.push_str(&t),
                Some(Token::End) => return Ok(out),
                Some(Token::Start(n)) => return Err(Error::Plist(format!("<{n}> inside a text value"))),
                None => return Err(Error::Plist("the file ends inside a value".into())),
            }
        }
    }
}

fn resolve_ref(r: &quick_xml::events::BytesRef<'_>) -> Result<char, Error> {
    if let Some(c) = r.resolve_char_ref().map_err(|e| Error::Plist(format!("character reference: {e}")))? {
        return Ok(c);
    }
    let name = r.decode().map_err(|e| Error::Plist(format!("reference: {e}")))?;
    match name.as_ref() {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        other => Err(Error::Plist(format!("unknown entity &{};", excerpt(other)))),
    }
}

fn excerpt(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Reads a plist document: `<plist>` around one value (SEB's settings: a `<dict>`).
pub fn parse(xml: &[u8]) -> Result<Value, Error> {
    let mut tokens = Tokens::new(xml);
    let value = match tokens.next_tag()? {
        Some(Token::Start(n)) if n == "plist" => {
            let v = match tokens.next_tag()? {
                Some(Token::Start(n)) => value(&mut tokens, &n, 1)?,
                _ => return Err(Error::Plist("an empty <plist>".into())),
            };
            match tokens.next_tag()? {
                Some(Token::End) => v,
                _ => return Err(Error::Plist("<plist> holds more than one value".into())),
            }
        }
        Some(Token::Start(n)) => return Err(Error::Plist(format!("the root is <{n}>, not <plist>"))),
        _ => return Err(Error::Plist("no <plist> element".into())),
    };
    match tokens.next_tag()? {
        None => Ok(value),
        Some(_) => Err(Error::Plist("content after </plist>".into())),
    }
}

/// Reads a plist whose root must be a dictionary (SEB settings).
pub fn parse_dict(xml: &[u8]) -> Result<Dict, Error> {
    match parse(xml)? {
        Value::Dict(d) => Ok(d),
        _ => Err(Error::Plist("the settings are not a <dict>".into())),
    }
}

/// One value whose start tag `name` was just read.
fn value(tokens: &mut Tokens<'_>, name: &str, depth: usize) -> Result<Value, Error> {
    if depth > MAX_DEPTH {
        return Err(Error::Plist(format!("nested deeper than {MAX_DEPTH} levels")));
    }
    Ok(match name {
        "dict" => Value::Dict(dict(tokens, depth)?),
        "array" => {
            let mut items = Vec::new();
            loop {
                match tokens.next_tag()? {
                    Some(Token::Start(n)) => items.push(value(tokens, &n, depth + 1)?),
                    Some(Token::End) => break Value::Array(items),
                    _ => return Err(Error::Plist("the file ends inside an <array>".into())),
                }
            }
        }
        "true" | "false" => {
            if !tokens.text_until_end()?.trim().is_empty() {
                return Err(Error::Plist(format!("<{name}> with text")));
            }
            Value::Bool(name == "true")
        }
        "string" => Value::String(tokens.text_until_end()?),
        "integer" => {
            let t = tokens.text_until_end()?;
            Value::Integer(
                t.trim().parse().map_err(|_| Error::Plist(format!("bad <integer> {}", excerpt(&t))))?,
            )
        }
        "real" => {
            let t = tokens.text_until_end()?;
            let r: f64 = t.trim().parse().map_err(|_| Error::Plist(format!("bad <real> {}", excerpt(&t))))?;
            if !r.is_finite() {
                return Err(Error::Plist("a <real> that is not a finite number".into()));
            }
            Value::Real(r)
        }
        "data" => {
            let t: String = tokens.text_until_end()?.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            Value::Data(STANDARD.decode(t.as_bytes()).map_err(|e| Error::Plist(format!("bad <data>: {e}")))?)
        }
        "date" => Value::Date(tokens.text_until_end()?.trim().to_string()),
        other => return Err(Error::Plist(format!("unknown plist element <{}>", excerpt(other)))),
    })
}

fn dict(tokens: &mut Tokens<'_>, depth: usize) -> Result<Dict, Error> {
    let mut entries: Vec<(String, Value)> = Vec::new();
    loop {
        let key = match tokens.next_tag()? {
            Some(Token::Start(n)) if n == "key" => tokens.text_until_end()?,
            Some(Token::Start(n)) => {
                return Err(Error::Plist(format!("<{}> where a <key> belongs", excerpt(&n))));
            }
            Some(Token::End) => return Ok(Dict(entries)),
            _ => return Err(Error::Plist("the file ends inside a <dict>".into())),
        };
        let v = match tokens.next_tag()? {
            Some(Token::Start(n)) => value(tokens, &n, depth + 1)?,
            _ => return Err(Error::Plist(format!("the key {} has no value", excerpt(&key)))),
        };
        if entries.iter().any(|(k, _)| *k == key) {
            return Err(Error::Plist(format!("the key {} appears twice", excerpt(&key))));
        }
        entries.push((key, v));
    }
}

/// Writes `root` as a plist XML document, as SEB's own tools lay it out.
pub fn to_xml(root: &Value) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n",
    );
    write_value(root, 0, &mut out);
    out.push_str("</plist>\n");
    out
}

/// XML-escaped text; a carriage return as a reference, since a reader turns a raw one into `\n`.
fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).replace('\r', "&#13;")
}

fn write_value(v: &Value, indent: usize, out: &mut String) {
    let pad = "\t".repeat(indent);
    match v {
        Value::Dict(d) => {
            out.push_str(&format!("{pad}<dict>\n"));
            for (k, v) in &d.0 {
                out.push_str(&format!("{pad}\t<key>{}</key>\n", escape(k)));
                write_value(v, indent + 1, out);
            }
            out.push_str(&format!("{pad}</dict>\n"));
        }
        Value::Array(items) => {
            out.push_str(&format!("{pad}<array>\n"));
            for item in items {
                write_value(item, indent + 1, out);
            }
            out.push_str(&format!("{pad}</array>\n"));
        }
        Value::String(s) => out.push_str(&format!("{pad}<string>{}</string>\n", escape(s))),
        Value::Integer(i) => out.push_str(&format!("{pad}<integer>{i}</integer>\n")),
        Value::Real(r) => out.push_str(&format!("{pad}<real>{r:?}</real>\n")),
        Value::Bool(b) => out.push_str(&format!("{pad}<{b}/>\n")),
        Value::Data(d) => out.push_str(&format!("{pad}<data>{}</data>\n", STANDARD.encode(d))),
        Value::Date(d) => out.push_str(&format!("{pad}<date>{}</date>\n", escape(d))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>startURL</key>
	<string>http://10.0.0.5:8090/?event=a&amp;b</string>
	<key>allowQuit</key>
	<true/>
	<key>empty</key>
	<string/>
	<key>n</key>
	<integer>-42</integer>
	<key>salt</key>
	<data>
	AAEC
	</data>
	<key>list</key>
	<array><dict><key>x</key><false/></dict><real>1.5</real><date>2024-01-02T03:04:05Z</date></array>
</dict>
</plist>
"#;

    #[test]
    fn reads_every_type_and_keeps_the_order() {
        let d = parse_dict(SAMPLE.as_bytes()).unwrap();
        let keys: Vec<_> = d.0.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["startURL", "allowQuit", "empty", "n", "salt", "list"]);
        assert_eq!(d.get("startURL"), Some(&Value::String("http://10.0.0.5:8090/?event=a&b".into())));
        assert_eq!(d.get("empty"), Some(&Value::String(String::new())));
        assert_eq!(d.get("n"), Some(&Value::Integer(-42)));
        assert_eq!(d.get("salt"), Some(&Value::Data(vec![0, 1, 2])));
        let Some(Value::Array(list)) = d.get("list") else { panic!("no list") };
        assert_eq!(list[1], Value::Real(1.5));
        assert_eq!(list[2], Value::Date("2024-01-02T03:04:05Z".into()));
    }

    #[test]
    fn writes_what_it_reads() {
        let v = parse(SAMPLE.as_bytes()).unwrap();
        assert_eq!(parse(to_xml(&v).as_bytes()).unwrap(), v);
    }

    #[test]
    fn refuses_what_is_not_a_settings_plist() {
        for bad in [
            "",
            "<dict></dict>",
            "<plist><dict><key>a</key></dict></plist>",
            "<plist><dict><key>a</key><integer>x</integer></dict></plist>",
            "<plist><dict><key>a</key><true/><key>a</key><true/></dict></plist>",
            "<plist><dict><string>a</string></dict></plist>",
            "<plist><dict><key>a</key><string>&nbsp;</string></dict></plist>",
            "<plist><dict><key>a</key><blob/></dict></plist>",
            "<plist><array/></plist>",
            "<plist><dict/></plist><plist/>",
        ] {
            assert!(parse_dict(bad.as_bytes()).is_err(), "{bad}");
        }
        let deep = format!("<plist>{}{}</plist>", "<array>".repeat(200), "</array>".repeat(200));
        assert!(matches!(parse(deep.as_bytes()), Err(Error::Plist(m)) if m.contains("deeper")));
    }
}
