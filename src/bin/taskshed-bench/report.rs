//! The results: a table of figures against the goals (printed as Markdown) and the
//! raw details (written as JSON).

pub struct Row {
    pub scenario: String,
    pub metric: String,
    pub value: String,
    pub goal: String,
    pub pass: Option<bool>,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl Report {
    pub fn row(
        &mut self,
        scenario: &str,
        metric: &str,
        value: String,
        goal: &str,
        pass: Option<bool>,
    ) {
        let row = Row {
            scenario: scenario.to_owned(),
            metric: metric.to_owned(),
            value,
            goal: goal.to_owned(),
            pass,
        };
        eprintln!(
            "  {} | {} | {} | {}",
            row.scenario, row.metric, row.value, row.goal
        );
        self.rows.push(row);
    }

    pub fn detail(&mut self, key: &str, value: serde_json::Value) {
        self.details.insert(key.to_owned(), value);
    }

    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| Scenario | Measure | Result | Goal | Met |\n| --- | --- | --- | --- | --- |\n",
        );
        for r in &self.rows {
            let met = match r.pass {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                r.scenario, r.metric, r.value, r.goal, met
            ));
        }
        out
    }
}
